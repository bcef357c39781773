import { describe, expect, it } from 'vitest';
import { vbenchOfficialParams } from '../../../src/metrics/vbench-official/index.js';
import { parseVbenchResults, vbenchFileNames } from '../../../src/metrics/vbench-official/parse.js';

/** A results file in VBench's format: dimension → [aggregate, per_video]. */
const RESULTS = {
  // Issue #19: aggregate 0.6687 next to per-video MUSIQ scores 56.49 … on a 0–100 scale.
  imaging_quality: [
    0.6687,
    [
      { video_path: '/data/videos/a cat-0.mp4', video_results: 56.49 },
      { video_path: '/data/videos/a cat-1.mp4', video_results: 77.25 },
    ],
  ],
  // Booleans per video, the aggregate is the fraction of dynamic videos.
  dynamic_degree: [
    0.5,
    [
      { video_path: '/data/videos/a cat-0.mp4', video_results: true },
      { video_path: '/data/videos/a cat-1.mp4', video_results: false },
    ],
  ],
  // Frame-weighted aggregate: (0.9·10 + 0.8·40)/50 = 0.82, not the per-video mean 0.85.
  subject_consistency: [
    0.82,
    [
      { video_path: 'a cat-0.mp4', video_results: 0.9, cnt_per_video: 10 },
      { video_path: 'a cat-1.mp4', video_results: 0.8, cnt_per_video: 40 },
    ],
  ],
  human_action: [1, [{ video_path: 'C:\\vbench\\a cat-0.mp4', video_results: true, cor_num_per_video: 1 }]],
};

describe('VBench results', () => {
  const parsed = parseVbenchResults(
    JSON.stringify(RESULTS),
    ['imaging_quality', 'dynamic_degree', 'subject_consistency', 'human_action'],
    'r.json',
  );

  it('imaging_quality per video is divided by 100, to the aggregate scale', () => {
    const r = parsed.get('imaging_quality');
    expect(r?.aggregate).toBe(0.6687);
    expect(r?.perVideo.get('a cat-0.mp4')).toBeCloseTo(0.5649, 12);
    expect(r?.perVideo.get('a cat-1.mp4')).toBeCloseTo(0.7725, 12);
  });

  it('dynamic_degree and human_action booleans become 1/0; Windows paths match by base name', () => {
    expect([...(parsed.get('dynamic_degree')?.perVideo ?? [])]).toEqual([
      ['a cat-0.mp4', 1],
      ['a cat-1.mp4', 0],
    ]);
    expect(parsed.get('human_action')?.perVideo.get('a cat-0.mp4')).toBe(1);
  });

  it('a frame-weighted aggregate is kept as VBench reported it, not recomputed from per-video values', () => {
    const r = parsed.get('subject_consistency');
    expect(r?.aggregate).toBe(0.82);
    expect([...(r?.perVideo.values() ?? [])]).toEqual([0.9, 0.8]);
  });

  it.each([
    ['{', ['dynamic_degree'], /not valid JSON/],
    [
      JSON.stringify({ color: [0.5, []] }),
      ['dynamic_degree'],
      /no results for dimension dynamic_degree \(has: color\)/,
    ],
    [
      JSON.stringify({ dynamic_degree: [0.5, [{ video_path: 'x-0.mp4', video_results: 0.7 }]] }),
      ['dynamic_degree'],
      /must be a boolean/,
    ],
    [
      JSON.stringify({ imaging_quality: [0.5, [{ video_path: 'x-0.mp4', video_results: 0.56 * 1000 }]] }),
      ['imaging_quality'],
      /\[0, 100\]/,
    ],
    [
      JSON.stringify({ motion_smoothness: [0.9, [{ video_results: 0.9 }]] }),
      ['motion_smoothness'],
      /needs a video_path/,
    ],
    [JSON.stringify({ motion_smoothness: 0.9 }), ['motion_smoothness'], /\[aggregate, per_video\]/],
  ] as const)('rejects malformed results %#', (text, dims, message) => {
    expect(() => parseVbenchResults(text, dims, 'r.json')).toThrow(message);
  });

  it('names videos {prompt}-{i} in seed order per prompt; unusable prompts are errors', () => {
    const names = vbenchFileNames([
      { sampleId: 'b', prompt: 'a cat', seed: 7 },
      { sampleId: 'a', prompt: 'a cat', seed: 3 },
      { sampleId: 'c', prompt: 'a dog', seed: 0 },
    ]);
    expect(Object.fromEntries(names)).toEqual({ a: 'a cat-0.mp4', b: 'a cat-1.mp4', c: 'a dog-0.mp4' });
    expect(() => vbenchFileNames([{ sampleId: 'x', prompt: 'a/b', seed: 0 }])).toThrow(/file name/);
  });
});

describe('vbench_official params', () => {
  it('custom_input refuses the dimensions VBench refuses, at validate time', () => {
    const r = vbenchOfficialParams.safeParse({
      results: 'r.json',
      dimensions: ['motion_smoothness', 'color'],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['dimensions', 1] });
    expect(r.error?.issues[0]?.message).toMatch(/custom_input/);
    expect(
      vbenchOfficialParams.safeParse({ results: 'r.json', mode: 'standard', dimensions: ['color'] }).success,
    ).toBe(true);
  });

  it('needs exactly one of results or command; command placeholders are checked', () => {
    expect(vbenchOfficialParams.safeParse({}).success).toBe(false);
    expect(vbenchOfficialParams.safeParse({ results: 'r', command: ['v', '{output}'] }).success).toBe(false);
    expect(vbenchOfficialParams.safeParse({ command: ['v', '{videos}', '{outptu}'] }).success).toBe(false);
    expect(
      vbenchOfficialParams.safeParse({
        command: ['vbench', 'evaluate', '--videos_path', '{videos}', '--output_path', '{output}'],
      }).success,
    ).toBe(true);
  });
});
