import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseInitImage, planSamples } from '../../../src/runs/plan.js';
import { loadSuite, validateSuite } from '../../../src/suite/load.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

function suiteWith(testBody: string): string {
  return `version: 1
project: p
suite_name: s
models:
  - name: m
    adapter: mock
tests:
  - id: t
${testBody}
metrics:
  - name: vbench_temporal
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
`;
}

const names = (...n: string[]) => n.map((name) => ({ name }));

describe('chooseInitImage', () => {
  it('is stable: the same prompt (up to spacing) and seed always get the same image', () => {
    const images = names('a.png', 'b.png', 'c.png');
    for (const seed of [0, 1, 2, 99]) {
      const first = chooseInitImage(images, 'a red ball bouncing', seed);
      expect(chooseInitImage(images, '  a red   ball bouncing ', seed)).toBe(first);
      // The order the images are listed in does not matter, only their names.
      expect(chooseInitImage([...images].reverse(), 'a red ball bouncing', seed).name).toBe(first.name);
    }
  });

  it('spreads prompts and seeds over every image', () => {
    const images = names('img/0.png', 'img/1.png', 'img/2.png', 'img/3.png');
    const counts = new Map<string, number>();
    for (let p = 0; p < 50; p++) {
      for (let seed = 0; seed < 4; seed++) {
        const name = chooseInitImage(images, `prompt number ${p}`, seed).name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    // 200 choices over 4 images: 50 each on average; a fair hash stays far from these bounds.
    expect([...counts.keys()].sort()).toEqual(images.map((i) => i.name));
    for (const n of counts.values()) expect(n).toBeGreaterThan(25);
    // Seeds of one prompt are spread too, not all sent to one image.
    const perSeed = new Set(
      [0, 1, 2, 3, 4, 5, 6, 7].map((s) => chooseInitImage(images, 'one prompt', s).name),
    );
    expect(perSeed.size).toBeGreaterThan(1);
  });

  it('moves only the samples that pick a newly added image', () => {
    const before = names('a.png', 'b.png', 'c.png');
    const after = names('a.png', 'b.png', 'c.png', 'd.png');
    let moved = 0;
    for (let p = 0; p < 40; p++) {
      const was = chooseInitImage(before, `p${p}`, 0).name;
      const now = chooseInitImage(after, `p${p}`, 0).name;
      if (now !== was) {
        expect(now).toBe('d.png');
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('plans each sample with its chosen image, and none without init_images', () => {
    const video = { num_frames: 8, fps: 8, width: 64, height: 64 };
    const initImages = [
      { path: '/abs/a.png', name: 'a.png' },
      { path: '/abs/b.png', name: 'b.png' },
    ];
    const plan = planSamples('m', [
      { id: 'i2v', type: 'generation', prompts: ['x', 'y'], seeds: [0, 1], video, initImages },
      { id: 't2v', type: 'generation', prompts: ['x'], seeds: [0], video },
    ]);
    for (const p of plan.slice(0, 4)) {
      // Named as the suite names it (a worker elsewhere fetches it by that name); here it resolves to /abs.
      expect(path.resolve('/abs', p.initImage!.name)).toBe(
        `/abs/${chooseInitImage(initImages, p.prompt, p.seed).name}`,
      );
    }
    expect(plan[4]!.initImage).toBeUndefined();
  });
});

describe('init_images in a suite', () => {
  it('resolves the images relative to the suite folder', async () => {
    const dir = await tempTree({
      'suites/s.yaml': suiteWith('    prompts: [a]\n    init_images: [img/one.png, img/two.png]'),
      'suites/img/one.png': 'not really a png',
      'suites/img/two.png': 'not really a png',
    });
    const suite = await loadSuite(path.join(dir, 'suites/s.yaml'), testRegistries);
    expect(suite.tests[0]!.initImages).toEqual([
      { path: path.join(dir, 'suites/img/one.png'), name: 'img/one.png' },
      { path: path.join(dir, 'suites/img/two.png'), name: 'img/two.png' },
    ]);
  });

  it('reports a missing image, a duplicate and a reference test at their positions', async () => {
    const dir = await tempTree({
      's.yaml': `${suiteWith('    prompts: [a]\n    init_images: [ok.png, missing.png, ok.png]')}`.replace(
        'metrics:',
        `  - id: r
    type: upscale
    scale: 2
    sources: [clip.mp4]
    init_images: [ok.png]
metrics:`,
      ),
      'ok.png': 'x',
      'clip.mp4': 'x',
    });
    const { issues } = await validateSuite(path.join(dir, 's.yaml'), testRegistries);
    expect(issues.map((i) => [i.path, i.line, i.col, i.message])).toEqual([
      ['tests[0].init_images[1]', 10, 27, `init image ${path.join(dir, 'missing.png')} cannot be used`],
      ['tests[0].init_images[2]', 10, 40, 'init image ok.png is listed twice'],
      ['tests[1].init_images', 15, 5, 'test r: init_images is not used by a upscale test'],
    ]);
    expect(issues[0]!.found).toBe('no such file');
    expect(issues[0]!.file).toBe(path.join(dir, 's.yaml'));
  });
});
