import { describe, expect, it } from 'vitest';
import { fillCommand, vbenchOfficialParams } from '../../../src/metrics/vbench-official/index.js';
import { matchResults, readFrameName, vbenchFileNames } from '../../../src/metrics/vbench-official/names.js';
import { parseVbenchResults, pythonJsonToJson } from '../../../src/metrics/vbench-official/parse.js';

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
  ).dims;

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
      vbenchOfficialParams.safeParse({ results: 'r.json', mode: 'vbench_standard', dimensions: ['color'] })
        .success,
    ).toBe(true);
    // vbench_category runs the same assertion in VBench.
    const category = vbenchOfficialParams.safeParse({
      results: 'r.json',
      mode: 'vbench_category',
      dimensions: ['scene'],
    });
    expect(category.error?.issues[0]?.message).toMatch(/refuses scene in vbench_category mode/);
  });

  it("takes VBench's mode names; 'standard', which VBench's CLI rejects, is an error naming vbench_standard", () => {
    for (const mode of ['custom_input', 'vbench_standard', 'vbench_category'])
      expect(vbenchOfficialParams.safeParse({ results: 'r.json', mode }).success, mode).toBe(true);
    const r = vbenchOfficialParams.safeParse({ results: 'r.json', mode: 'standard' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['mode']);
    expect(r.error?.issues[0]?.message).toMatch(/rejects --mode standard, use vbench_standard/);
  });

  it('vbench_category with a command needs its category; {category} needs one too', () => {
    const command = ['python3', 'evaluate.py', '--output_path', '{output}', '--category', '{category}'];
    const missing = vbenchOfficialParams.safeParse({ command, mode: 'vbench_category' });
    expect(missing.error?.issues.map((i) => i.path)).toEqual([['category']]);
    expect(
      vbenchOfficialParams.safeParse({ command, mode: 'vbench_category', category: 'animal' }).success,
    ).toBe(true);
    expect(vbenchOfficialParams.safeParse({ command }).error?.issues[0]?.message).toMatch(/\{category\}/);
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

  it('{dimensions} alone is one argument per dimension (nargs=+); inside an argument the names join with spaces', () => {
    const values = { '{videos}': '/v', '{output}': '/o', '{mode}': 'custom_input' };
    const dims = ['subject_consistency', 'dynamic_degree'];
    expect(fillCommand(['e.py', '--dimension', '{dimensions}', '--mode', '{mode}'], values, dims)).toEqual([
      'e.py',
      '--dimension',
      'subject_consistency',
      'dynamic_degree',
      '--mode',
      'custom_input',
    ]);
    // `vbench evaluate` declares --dimension as one string and re-splits it in the shell line it runs.
    expect(
      fillCommand(['vbench', 'evaluate', '--dimension={dimensions}', '--output_path={output}'], values, dims),
    ).toEqual(['vbench', 'evaluate', '--dimension=subject_consistency dynamic_degree', '--output_path=/o']);
  });
});

describe("Python's json.dump output", () => {
  // What VBench writes when temporal_flickering could read no video (np.mean([])) and a model returned nan.
  const TEXT = `{
    "temporal_flickering": [
        NaN,
        []
    ],
    "motion_smoothness": [
        Infinity,
        [
            {"video_path": "/v/a NaN story-0.mp4", "video_results": 0.99},
            {"video_path": "/v/a NaN story-1.mp4", "video_results": -Infinity},
            {"video_path": "/v/say \\"NaN\\"-0.mp4", "video_results": NaN}
        ]
    ],
    "dynamic_degree": [0.5, [{"video_path": "/v/a NaN story-0.mp4", "video_results": NaN}]],
    "subject_consistency": [-0.25, [{"video_path": "/v/a NaN story-0.mp4", "video_results": -1e-3}]]
}`;

  it('reads NaN and ±Infinity outside strings only', () => {
    const json = pythonJsonToJson(TEXT);
    expect(json).toContain('"/v/a NaN story-0.mp4"');
    expect(json).toContain('"/v/say \\"NaN\\"-0.mp4"');
    expect(() => JSON.parse(json)).not.toThrow();
    expect(pythonJsonToJson('{"a": [1, -2.5e-3, true, null, "x"]}')).toBe(
      '{"a": [1, -2.5e-3, true, null, "x"]}',
    );
  });

  it('a NaN or ±Infinity value is null with a warning; every other value and dimension still counts', () => {
    const { dims, warnings } = parseVbenchResults(
      TEXT,
      ['temporal_flickering', 'motion_smoothness', 'dynamic_degree', 'subject_consistency'],
      'r.json',
    );
    expect(dims.get('temporal_flickering')).toEqual({ aggregate: null, perVideo: new Map(), nonFinite: 1 });
    const ms = dims.get('motion_smoothness');
    expect(ms?.aggregate).toBeNull();
    expect([...(ms?.perVideo ?? [])]).toEqual([
      ['a NaN story-0.mp4', 0.99],
      ['a NaN story-1.mp4', null],
      ['say "NaN"-0.mp4', null],
    ]);
    expect(ms?.nonFinite).toBe(3);
    expect(dims.get('dynamic_degree')?.perVideo.get('a NaN story-0.mp4')).toBeNull();
    expect(dims.get('subject_consistency')).toMatchObject({ aggregate: -0.25, nonFinite: 0 });
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toMatch(/temporal_flickering: VBench reported NaN as its aggregate/);
    expect(warnings).toContain(
      'motion_smoothness: VBench reported -Infinity for video a NaN story-1.mp4; its dims.motion_smoothness is null',
    );
  });
});

describe('VBench file names and matching', () => {
  const samples = [
    { sampleId: 'b', prompt: 'a cat', seed: 42 },
    { sampleId: 'a', prompt: 'a cat', seed: 11 },
    { sampleId: 'c', prompt: 'two videos of a dog', seed: 0 },
  ];

  it('numbers each prompt by seed rank, so standard mode finds <prompt>-0..4.mp4 whatever the seeds', () => {
    const names = vbenchFileNames(samples, 'vbench_standard');
    expect(Object.fromEntries(names)).toEqual({
      a: 'a cat-0.mp4',
      b: 'a cat-1.mp4',
      c: 'two videos of a dog-0.mp4',
    });
    const six = [0, 1, 2, 3, 4, 5].map((seed) => ({ sampleId: `s${seed}`, prompt: 'a cat', seed }));
    expect(vbenchFileNames(six).get('s5')).toBe('a cat-5.mp4'); // custom_input reads any number
    expect(() => vbenchFileNames(six, 'vbench_standard')).toThrow(
      /6 samples; VBench's vbench_standard mode reads only 5/,
    );
  });

  it("predicts read_frame's folder name: [:-4], 'videos' → 'frames', spaces → underscores", () => {
    expect(readFrameName('a cat-0.mp4')).toBe('a_cat-0');
    expect(readFrameName('two videos of a dog-0.mp4')).toBe('two_frames_of_a_dog-0');
  });

  const results = (paths: [string, number | null][]) => ({
    dims: new Map([
      [
        'subject_consistency' as const,
        { aggregate: 0.9, nonFinite: 0, perVideo: new Map(paths.map(([p, v]) => [p.split('/').pop()!, v])) },
      ],
    ]),
    warnings: [],
  });

  it('maps results by file name or by read_frame folder, and says what matched nothing', () => {
    const names = vbenchFileNames(samples);
    const m = matchResults(
      results([
        ['/gpu/videos/a cat-1.mp4', 0.8],
        ['/gpu/frames/a_cat-0', 0.7],
        ['/gpu/frames/two_frames_of_a_dog-0', 0.6],
        ['/gpu/videos/a horse-0.mp4', 0.5],
      ]),
      ['subject_consistency'],
      names,
    );
    expect(Object.fromEntries([...m.values].map(([id, v]) => [id, v.get('subject_consistency')]))).toEqual({
      a: 0.7,
      b: 0.8,
      c: 0.6,
    });
    expect(m.viaReadFrame).toBe(2);
    expect(m.unmatched).toEqual(['a horse-0.mp4']);
    expect(m.warnings).toEqual([
      '1 of VBench\'s 4 per-video results matched no exported video: "a horse-0.mp4" (exported names look like "a cat-0.mp4", or "a_cat-0" with read_frame)',
    ]);
  });

  it('warns when nothing matched, and leaves a read_frame name that fits two videos unmatched', () => {
    const names = vbenchFileNames([
      { sampleId: 'x', prompt: 'a b', seed: 0 },
      { sampleId: 'y', prompt: 'a_b', seed: 0 },
    ]);
    const m = matchResults(results([['/gpu/frames/a_b-0', 0.7]]), ['subject_consistency'], names);
    expect(m.values.get('x')?.get('subject_consistency')).toBeNull();
    expect(m.values.get('y')?.get('subject_consistency')).toBeNull();
    expect(m.warnings[0]).toMatch(/^none of VBench's 1 per-video results matched an exported video: "a_b-0"/);
    expect(m.warnings[1]).toMatch(/read_frame names "a_b-0" fit two exported videos/);
    expect(matchResults(results([]), ['subject_consistency'], names).warnings).toEqual([
      "VBench's results list no videos for subject_consistency: every dims value is null",
    ]);
  });
});
