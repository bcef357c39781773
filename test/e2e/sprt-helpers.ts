import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The BUILT CLI (npm test builds first), run as a user would. */
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

export function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A small SPRT suite on the mock model: 64×64, 6 frames, `prompts` × `seeds` samples. */
export function sprtSuite(opts: {
  mockParams?: string;
  prompts?: number;
  seeds?: number[];
  gateParams?: string;
}): string {
  const prompts = [
    'a red ball bouncing',
    'a slow pan over a lake',
    'a car driving at night',
    'waves on a beach',
  ];
  return `# SPRT e2e suite: this comment must survive sprt apply
version: 1
project: p
suite_name: sprt
models:
  - name: m
    adapter: mock
    params: ${opts.mockParams ?? '{}'}
tests:
  - id: t
    prompts: [${prompts
      .slice(0, opts.prompts ?? 4)
      .map((p) => `"${p}"`)
      .join(', ')}]
    seeds: [${(opts.seeds ?? [0, 1, 2, 3]).join(', ')}]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["motion_smoothness"] }
gates:
  - metric: vbench_temporal.dims.motion_smoothness
    op: ">="
    value: 0.1
    method: sprt_regression
    params:
      # calibrated by hand for the mock at 64 px
      sigma_mode: "fixed"
      ${opts.gateParams ?? 'sigma: 0.01'}
      effect_size: 0.01
      require_baseline: false
      baseline_missing: skip
run:
  wave_size: 4
`;
}
