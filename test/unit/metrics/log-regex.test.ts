import { describe, expect, it } from 'vitest';
import { logRegex, matchNumbers, resolveLogFile, takeValue } from '../../../src/metrics/log-regex.js';
import type { SampleContext } from '../../../src/metrics/types.js';

function ctx(metadata: Record<string, unknown>): SampleContext {
  return {
    sampleId: 's7',
    testId: 't',
    prompt: 'p',
    seed: 0,
    video: {
      path: '/v.mp4',
      width: 1,
      height: 1,
      fps: 1,
      frameCount: 1,
      codec: 'h264',
      durationSec: 1,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata,
  };
}

describe('log_regex', () => {
  it('extracts every numeric capture, skipping captures that are not numbers', () => {
    const text = 'loss=0.5\nloss=nan\nloss=1,250\nloss=-2e-3\n';
    expect(matchNumbers(text, 'loss=(\\S+)')).toEqual([0.5, 1250, -0.002]);
    expect(matchNumbers(text, '^loss=([\\d.]+)$')).toEqual([0.5]);
  });

  it('takes first, last, max or mean, and null when nothing matched', () => {
    expect(takeValue([3, 1, 2], 'first')).toBe(3);
    expect(takeValue([3, 1, 2], 'last')).toBe(2);
    expect(takeValue([3, 1, 2], 'max')).toBe(3);
    expect(takeValue([3, 1, 2], 'mean')).toBe(2);
    expect(takeValue([], 'max')).toBeNull();
  });

  it('reads the adapter log by default, or a file relative to the work folder', () => {
    const params = logRegex.params.parse({ patterns: { a: '(\\d+)' } });
    expect(
      resolveLogFile(params, ctx({ log_file: '/r/work/s7/adapter.log', log_path: 'work/s7/adapter.log' })),
    ).toBe('/r/work/s7/adapter.log');
    const withFile = logRegex.params.parse({ patterns: { a: '(\\d+)' }, file: 'stats-{sample_id}.txt' });
    expect(resolveLogFile(withFile, ctx({ work_dir: '/r/work/s7' }))).toBe('/r/work/s7/stats-s7.txt');
    expect(() => resolveLogFile(params, ctx({ adapter: 'mock' }))).toThrow(/kept no log/);
  });

  it('declares one path per pattern and rejects unknown keys and bad names', () => {
    const params = logRegex.params.parse({ patterns: { it_s: '([\\d.]+)it/s', vram: 'vram ([\\d.]+)' } });
    expect(params.take).toBe('last');
    expect(logRegex.paths(params)).toEqual(['it_s', 'vram']);
    expect(logRegex.readsPixels).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { a: '(\\d)' }, extra: 1 }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { 'a.b': '(\\d)' } }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { a: '(\\d)' }, take: 'median' }).success).toBe(false);
  });
});
