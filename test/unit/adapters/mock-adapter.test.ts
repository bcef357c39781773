import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSimulatedFailure, mockAdapter, mockParamsSchema } from '../../../src/adapters/mock/index.js';
import { findBuiltinAdapter } from '../../../src/adapters/registry.js';
import type { GenerationRequest } from '../../../src/adapters/types.js';
import { TemporalCIError } from '../../../src/errors.js';
import type { VideoSettings } from '../../../src/schema/suite.js';
import { key, meanAbsDiff, renderAll } from './mock-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'temporalci-mock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  const video: VideoSettings = { width: 96, height: 64, fps: 24, num_frames: 16 };
  const name = overrides.sampleId ?? 's1';
  return {
    sampleId: name,
    model: 'mock-model',
    testId: 'core',
    prompt: 'a red ball bouncing in a park',
    seed: 7,
    video,
    outputPath: join(dir, `${name}.mp4`),
    workDir: dir,
    signal: new AbortController().signal,
    ...overrides,
  };
}

function adapter(params: Record<string, unknown> = {}) {
  return mockAdapter.create(mockParamsSchema.parse(params), { modelName: 'mock-model', suiteDir: dir });
}

function probe(path: string): { width: number; height: number; nb_read_frames: string; codec_name: string } {
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=width,height,nb_read_frames,codec_name', '-of', 'json', path],
  ]).toString();
  return JSON.parse(out).streams[0];
}

async function rejection(p: Promise<unknown>): Promise<TemporalCIError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TemporalCIError);
  return e as TemporalCIError;
}

describe('mock adapter: params', () => {
  it('applies the documented defaults', () => {
    expect(mockParamsSchema.parse({})).toMatchObject({
      quality_shift: 0,
      noise_scale: 0.06,
      sleep_sec: 0,
      judder: 1,
      drop_frames: 0,
      color_shift: [0, 0, 0],
      codec: 'h264',
      fail_rate: 0,
    });
  });

  it('rejects unknown keys and bad values', () => {
    const bad: Record<string, unknown>[] = [
      { nosie: 1 },
      { judder: 0 },
      { judder: 1.5 },
      { drop_frames: 1.5 },
      { fail_rate: -0.1 },
      { noise: -1 },
      { blur: 'soft' },
      { freeze_after: -1 },
      { color_shift: [1, 2] },
      { codec: 'av1' },
      { crf: 70 },
      { fail_message: '' },
    ];
    for (const p of bad) expect(mockParamsSchema.safeParse(p).success, JSON.stringify(p)).toBe(false);
  });

  it('create() rejects invalid params with a TemporalCIError naming the key', () => {
    const bad = { judder: 0 } as unknown as Parameters<typeof mockAdapter.create>[0];
    let caught: unknown;
    try {
      mockAdapter.create(bad, { modelName: 'm', suiteDir: dir });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemporalCIError);
    expect((caught as TemporalCIError).message).toContain('judder');
  });

  it('is registered as the built-in adapter "mock"', () => {
    expect(findBuiltinAdapter('mock')?.name).toBe('mock');
  });
});

describe('mock adapter: generate', () => {
  it('encodes a real MP4 with the requested size and frame count, close to the rendered frames', async () => {
    const req = request({ sampleId: 'mp4' });
    const result = await adapter({ blur: 1 }).generate(req);
    expect(result.videoPath).toBe(req.outputPath);
    expect(probe(result.videoPath)).toMatchObject({
      width: 96,
      height: 64,
      nb_read_frames: '16',
      codec_name: 'h264',
    });
    expect(result.metadata).toMatchObject({
      adapter: 'mock',
      renderer: 'procedural-v1',
      degradations: { blur: 1 },
    });
    const objects = result.metadata?.objects;
    expect(typeof objects === 'number' && objects >= 3 && objects <= 6).toBe(true);
    // Decode frame 5 back: the encoded video must show the rendered picture (lossy, so only close).
    const decoded = execFileSync('ffmpeg', [
      ...['-v', 'error', '-i', result.videoPath, '-vf', 'select=eq(n\\,5)', '-frames:v', '1'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ]);
    const rendered = renderAll(key(), { blur: 1 })[5]!;
    const other = renderAll(key({ seed: 99 }), { blur: 1 })[5]!;
    const own = meanAbsDiff(new Uint8Array(decoded), rendered);
    expect(own).toBeLessThan(4);
    expect(meanAbsDiff(new Uint8Array(decoded), other)).toBeGreaterThan(own * 2);
  });

  it('writes vp9 to a .webm file', async () => {
    const req = request({ sampleId: 'vp9', video: { width: 64, height: 64, fps: 12, num_frames: 6 } });
    const result = await adapter({ codec: 'vp9' }).generate(req);
    expect(result.videoPath).toBe(join(dir, 'vp9.webm'));
    expect(probe(result.videoPath)).toMatchObject({
      width: 64,
      height: 64,
      nb_read_frames: '6',
      codec_name: 'vp9',
    });
  });

  it('stops when the signal aborts during encoding, leaving no output', async () => {
    const controller = new AbortController();
    const req = request({
      sampleId: 'aborted',
      signal: controller.signal,
      video: { width: 128, height: 128, fps: 24, num_frames: 3000 },
    });
    const pending = adapter().generate(req);
    setTimeout(() => controller.abort(new Error('test abort')), 30);
    const e = await rejection(pending);
    expect(e.code).toBe('INTERRUPTED');
    expect(e.message).toContain('test abort');
    expect(existsSync(req.outputPath)).toBe(false);
    // The encoder's temporary file is removed too, once the killed ffmpeg has exited (poll, up to 10 s).
    const leftovers = (): string[] => readdirSync(dir).filter((f) => f.includes('aborted'));
    for (let i = 0; i < 100 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftovers()).toEqual([]);
  });

  it('aborts the artificial sleep', async () => {
    const controller = new AbortController();
    const pending = adapter({ sleep_sec: 600 }).generate(
      request({ sampleId: 'sleepy', signal: controller.signal }),
    );
    controller.abort();
    expect((await rejection(pending)).code).toBe('INTERRUPTED');
  });

  it('refuses to start on an already aborted signal', async () => {
    const e = await rejection(adapter().generate(request({ sampleId: 'pre', signal: AbortSignal.abort() })));
    expect(e.code).toBe('INTERRUPTED');
    expect(existsSync(join(dir, 'pre.mp4'))).toBe(false);
  });
});

describe('mock adapter: fail_rate', () => {
  it('fails the same share of samples deterministically', () => {
    const keys = Array.from({ length: 200 }, (_, seed) => key({ seed }));
    const failing = keys.filter((k) => isSimulatedFailure(k, 0.3)).map((k) => k.seed);
    expect(failing.length).toBeGreaterThan(35);
    expect(failing.length).toBeLessThan(85);
    expect(keys.filter((k) => isSimulatedFailure(k, 0.3)).map((k) => k.seed)).toEqual(failing);
    // A higher rate fails a superset: the per-sample draw is fixed, the rate is only a threshold.
    const more = new Set(keys.filter((k) => isSimulatedFailure(k, 0.6)).map((k) => k.seed));
    expect(failing.every((s) => more.has(s))).toBe(true);
    expect(keys.some((k) => isSimulatedFailure(k, 0))).toBe(false);
    expect(keys.every((k) => isSimulatedFailure(k, 1))).toBe(true);
  });

  it('throws ADAPTER_FAILED with the configured message and writes nothing', async () => {
    const seed = Array.from({ length: 50 }, (_, s) => s).find((s) =>
      isSimulatedFailure(key({ seed: s }), 0.5),
    );
    expect(seed).toBeDefined();
    const req = request({ sampleId: 'fails', seed: seed ?? 0 });
    const e = await rejection(adapter({ fail_rate: 0.5, fail_message: 'CUDA out of memory' }).generate(req));
    expect(e.code).toBe('ADAPTER_FAILED');
    expect(e.message).toContain('CUDA out of memory');
    expect(e.hint).toContain('fail_rate');
    expect(existsSync(req.outputPath)).toBe(false);
  });
});
