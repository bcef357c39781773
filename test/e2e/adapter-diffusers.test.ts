import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { filesUnder, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * The diffusers bridge's protocol end to end: the built CLI starts a stand-in worker (same JSON lines,
 * ffmpeg instead of torch) as a real long-lived Python process. The real pipeline needs a GPU machine.
 */
const STANDIN = path.join(REPO_ROOT, 'test/fixtures/diffusers-standin-worker.py');
/** torch/diffusers/imageio/PIL stand-ins for the SHIPPED worker: pipelines with diffusers' real signatures. */
const PIPELINES = path.join(REPO_ROOT, 'test/fixtures/diffusers-standin-pipelines');
let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-diffusers-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface LogLine {
  op: string;
  pid: number;
  prompt?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  init_image?: string | null;
  pipeline?: string;
}

async function logLines(file: string): Promise<LogLine[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function suiteWith(adapter: string, params: string, prompts: string[], extra = ''): string {
  return tinySuite({
    models: `  - name: dm
    adapter: ${adapter}
    params: {${params}}`,
    tests: `  - id: t
    prompts: ${JSON.stringify(prompts)}
    seeds: [0, 1]
    video: {num_frames: 6, fps: 8, resolution: 64}`,
    gates: `  - metric: vbench_temporal.score
    op: ">="
    value: 0`,
    extra,
  });
}

async function run(
  suiteText: string,
  log: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
) {
  const work = await fs.mkdtemp(path.join(dir, 'r-'));
  const suite = path.join(work, 'suite.yaml');
  await fs.writeFile(suite, suiteText);
  const r = await runCli(['run', suite, '--artifacts-dir', path.join(work, 'a'), '--json', ...extraArgs], {
    env: { STANDIN_LOG: log, ...env },
  });
  expect(r.stderr + r.stdout).not.toSatisfy(hasStackTrace);
  const rec = r.stdout.trim() ? (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs[0] : undefined;
  return { r, rec, work };
}

describe('diffusers adapter (stand-in worker)', () => {
  it('loads once, passes prompt, seed, steps and guidance, and stops the worker at the end', async () => {
    const log = path.join(dir, 't2v.log');
    const { r, rec } = await run(
      suiteWith(
        'diffusers',
        `model_id: org/t2v, worker_script: ${STANDIN}, steps: 7, guidance: 4.5, dtype: bfloat16, device: cpu`,
        ['a red ball bouncing', 'a slow pan over a lake'],
      ),
      log,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(rec!.counts).toMatchObject({ planned: 4, measured: 4 });
    const lines = await logLines(log);
    const loads = lines.filter((l) => l.op === 'load');
    expect(loads).toHaveLength(1);
    expect(loads[0]).toMatchObject({ pipeline: 'text2video' });
    const gens = lines.filter((l) => l.op === 'generate');
    expect(gens.map((g) => `${g.prompt}/${g.seed}`).sort()).toEqual([
      'a red ball bouncing/0',
      'a red ball bouncing/1',
      'a slow pan over a lake/0',
      'a slow pan over a lake/1',
    ]);
    expect(gens.every((g) => g.steps === 7 && g.guidance === 4.5 && g.pid === loads[0]!.pid)).toBe(true);
    expect(lines.at(-1)?.op).toBe('shutdown');
    expect(alive(loads[0]!.pid)).toBe(false);
    expect(rec!.samples.filter((s) => s.metadata.worker_started === true)).toHaveLength(1);
  }, 60_000);

  it('a timeout kills the worker (exit code 124) and the next sample runs in a fresh one', async () => {
    const log = path.join(dir, 'hang.log');
    const { r, rec } = await run(
      suiteWith('diffusers', `model_id: org/t2v, worker_script: ${STANDIN}, kill_grace_s: 1`, [
        'please hang here',
        'a red ball bouncing',
      ]),
      log,
      ['--timeout', '3', '--max-failed-ratio', '0.5'],
    );
    expect(r.code, r.stderr).toBe(0);
    const failed = rec!.samples.filter((s) => s.error !== null);
    expect(failed).toHaveLength(2);
    expect(failed.every((s) => s.error?.exit_code === 124 && /timed out/.test(s.error.message))).toBe(true);
    const loads = (await logLines(log)).filter((l) => l.op === 'load');
    expect(loads.length).toBeGreaterThanOrEqual(2);
    for (const l of loads) expect(alive(l.pid)).toBe(false);
    expect(rec!.counts.measured).toBe(2);
  }, 60_000);

  it('a failed generation is a sample error with the worker log tail; the worker keeps serving', async () => {
    const log = path.join(dir, 'crash.log');
    const { rec } = await run(
      suiteWith('diffusers', `model_id: org/t2v, worker_script: ${STANDIN}`, ['crash now', 'a red ball'], ''),
      log,
      ['--max-failed-ratio', '0.5'],
    );
    const failed = rec!.samples.filter((s) => s.error !== null);
    expect(failed).toHaveLength(2);
    expect(failed[0]!.error?.message).toMatch(/CUDA out of memory \(stand-in\)/);
    expect(failed[0]!.error?.log_tail).toMatch(/generating/);
    expect((await logLines(log)).filter((l) => l.op === 'load')).toHaveLength(1);
  }, 60_000);

  it('a token in the worker env, echoed on stderr and in a failure, appears in no artifact or output', async () => {
    const token = 'hf_tci_secret_5c0ffee91';
    const { r, rec, work } = await run(
      suiteWith('diffusers', `model_id: org/t2v, worker_script: ${STANDIN}, env: {HF_TOKEN: "\${TCI_HF}"}`, [
        'crash now',
        'a red ball',
      ]),
      path.join(dir, 'secret.log'),
      ['--max-failed-ratio', '0.5'],
      { TCI_HF: token },
    );
    const failed = rec!.samples.filter((s) => s.error !== null);
    expect(failed).toHaveLength(2);
    // The worker did get the token and said so: the records show where, redacted.
    expect(failed[0]!.error?.message).toContain('(token [redacted])');
    expect(failed[0]!.error?.log_tail).toContain('downloading with token [redacted]');
    const files = await filesUnder(path.join(work, 'a'));
    const logs = files.filter((f) => f.endsWith('diffusers.log'));
    expect(logs.length).toBeGreaterThan(0);
    expect(readFileSync(logs[0]!, 'utf8')).toContain('downloading with token [redacted]');
    for (const f of files) expect(readFileSync(f).includes(token), `${f} contains the token`).toBe(false);
    expect(r.stdout.includes(token) || r.stderr.includes(token)).toBe(false);
  }, 60_000);

  it('diffusers_img2vid passes the init image from params', async () => {
    const log = path.join(dir, 'i2v.log');
    const work = await fs.mkdtemp(path.join(dir, 'img-'));
    const image = path.join(work, 'init.png');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64',
      '-frames:v',
      '1',
      image,
    ]);
    const { r } = await run(
      suiteWith('diffusers_img2vid', `model_id: org/svd, worker_script: ${STANDIN}, init_image: ${image}`, [
        'ignored by svd',
      ]),
      log,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = await logLines(log);
    expect(lines.find((l) => l.op === 'load')?.pipeline).toBe('img2vid');
    expect(lines.filter((l) => l.op === 'generate').every((g) => g.init_image === image)).toBe(true);
  }, 60_000);

  it('the shipped worker without torch fails with a one-line install hint', async () => {
    const { r, rec } = await run(
      suiteWith('diffusers', 'model_id: org/t2v', ['a red ball']),
      path.join(dir, 'x.log'),
    );
    expect(r.code).toBe(1);
    expect(rec!.errors.join('\n')).toMatch(/python package 'torch' is not installed/);
    expect(rec!.samples[0]!.error?.message).toMatch(/torch/);
    // The hint reaches the sample error once per sample, never a stack trace.
    expect(JSON.stringify(rec)).toMatch(/pip install torch diffusers/);
  }, 60_000);
});

interface CallLine {
  op: 'call';
  pipeline: string;
  positional: number;
  kwargs: Record<string, unknown>;
}

describe('the shipped worker against stand-in pipelines (inspect.signature of __call__)', () => {
  let image: string;
  beforeAll(async () => {
    image = path.join(dir, 'init.png');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64',
      '-frames:v',
      '1',
      image,
    ]);
  });

  const common = ['num_frames', 'num_inference_steps', 'generator', 'height', 'width'];
  it.each([
    {
      // Stable Video Diffusion: image only, no prompt; guidance is max_guidance_scale, fps is fps.
      model: 'svd',
      pipeline: 'StableVideoDiffusionPipeline',
      passed: ['fps', 'image', 'max_guidance_scale', 'motion_bucket_id'],
      dropped: ['guidance_rescale', 'prompt'],
    },
    {
      model: 'i2vgen-xl',
      pipeline: 'I2VGenXLPipeline',
      passed: ['guidance_scale', 'image', 'prompt', 'target_fps'],
      dropped: ['guidance_rescale', 'motion_bucket_id'],
    },
    {
      // CogVideoX image-to-video takes a prompt but no fps at all.
      model: 'cogvideox-i2v',
      pipeline: 'CogVideoXImageToVideoPipeline',
      passed: ['guidance_scale', 'image', 'prompt'],
      dropped: ['fps', 'guidance_rescale', 'motion_bucket_id'],
    },
  ])(
    '$pipeline gets the prompt only if it takes one, and only the kwargs its signature names',
    async (c) => {
      const log = path.join(dir, `${c.model}.log`);
      const params =
        `model_id: standin/${c.model}, device: cpu, steps: 7, guidance: 2.5, init_image: ${image}, ` +
        `pipeline_kwargs: {motion_bucket_id: 90, guidance_rescale: 0.7}, env: {PYTHONPATH: ${PIPELINES}}`;
      const { r, rec } = await run(suiteWith('diffusers_img2vid', params, ['a cat surfing']), log);
      expect(r.code, r.stderr).toBe(0);
      const calls = (await logLines(log)) as unknown as CallLine[];
      expect(calls.map((l) => l.pipeline)).toEqual([c.pipeline, c.pipeline]);
      const expected = [...common, ...c.passed].sort();
      for (const call of calls) {
        expect(call.positional).toBe(0);
        expect(Object.keys(call.kwargs).sort()).toEqual(expected);
        expect(call.kwargs).toMatchObject({ num_frames: 6, num_inference_steps: 7, height: 64, width: 64 });
        expect(call.kwargs.image).toEqual({ image, size: [64, 64] });
        if (c.passed.includes('prompt')) expect(call.kwargs.prompt).toBe('a cat surfing');
        for (const k of ['guidance_scale', 'max_guidance_scale'])
          if (k in call.kwargs) expect(call.kwargs[k]).toBe(2.5);
        for (const k of ['fps', 'target_fps']) if (k in call.kwargs) expect(call.kwargs[k]).toBe(8);
      }
      expect(
        calls.map((l) => (l.kwargs.generator as { generator_seed: number }).generator_seed).sort(),
      ).toEqual([0, 1]);
      for (const s of rec!.samples) {
        expect(s.metadata).toMatchObject({
          pipeline: c.pipeline,
          frames: 6,
          prompt_passed: c.passed.includes('prompt'),
          dropped_kwargs: c.dropped,
        });
        // The note is in the sample's own log, next to the worker's other output.
        const sampleLog = await fs.readFile(s.metadata.log_file as string, 'utf8');
        expect(sampleLog).toContain(
          `${c.pipeline}.__call__ does not accept ${c.dropped.join(', ')}: not passed`,
        );
      }
      expect(rec!.counts.measured).toBe(2);
    },
    60_000,
  );

  it('text2video on the shipped worker passes prompt and guidance_scale, drops what the signature lacks', async () => {
    const log = path.join(dir, 't2v-shipped.log');
    const params = `model_id: standin/t2v, device: cpu, guidance: 4.5, pipeline_kwargs: {fps: 8}, env: {PYTHONPATH: ${PIPELINES}}`;
    const { r, rec } = await run(suiteWith('diffusers', params, ['a red ball bouncing']), log);
    expect(r.code, r.stderr).toBe(0);
    const calls = (await logLines(log)) as unknown as CallLine[];
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.pipeline).toBe('TextToVideoSDPipeline');
      expect(call.kwargs).toMatchObject({ prompt: 'a red ball bouncing', guidance_scale: 4.5 });
      expect(call.kwargs).not.toHaveProperty('fps');
    }
    expect(rec!.samples[0]!.metadata).toMatchObject({ prompt_passed: true, dropped_kwargs: ['fps'] });
  }, 60_000);
});
