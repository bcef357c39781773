/**
 * The small mock-model suite the e2e tests and the fleet benchmark share: 64×64, 6 frames, `prompts` × `seeds`
 * samples, gated on vbench_temporal's motion smoothness — sequentially (`gate: 'sprt'`, waves of 4, the default)
 * or by a plain threshold (`gate: 'threshold'`: every sample always runs).
 */
export function mockSuite(opts: {
  mockParams?: string;
  prompts?: number;
  seeds?: number[];
  gateParams?: string;
  gate?: 'sprt' | 'threshold';
  suiteName?: string;
}): string {
  const prompts = [
    'a red ball bouncing',
    'a slow pan over a lake',
    'a car driving at night',
    'waves on a beach',
  ];
  const sprt = (opts.gate ?? 'sprt') === 'sprt';
  const head = `version: 1
project: p
suite_name: ${opts.suiteName ?? 'sprt'}
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
`;
  if (!sprt) return head;
  return `# SPRT e2e suite: this comment must survive sprt apply
${head}    method: sprt_regression
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
