import { describe, expect, it } from 'vitest';
import { planSamples, sampleId } from '../../../src/runs/plan.js';
import type { ResolvedTest } from '../../../src/suite/types.js';

const video = { num_frames: 25, fps: 8, width: 256, height: 256 };
const tests: ResolvedTest[] = [
  { id: 't1', type: 'generation', prompts: ['a cat', 'a dog'], seeds: [0, 1, 2], video },
  { id: 't2', type: 'generation', prompts: ['a bird'], seeds: [7], video },
];

describe('planSamples', () => {
  it('expands tests × prompts × seeds in suite order', () => {
    const plan = planSamples('m', tests);
    expect(plan.map((p) => `${p.testId}/${p.prompt}/${p.seed}`)).toEqual([
      't1/a cat/0',
      't1/a cat/1',
      't1/a cat/2',
      't1/a dog/0',
      't1/a dog/1',
      't1/a dog/2',
      't2/a bird/7',
    ]);
  });

  it('keeps the first N with a limit', () => {
    expect(planSamples('m', tests, 2).map((p) => p.seed)).toEqual([0, 1]);
  });

  it('gives every sample a distinct, stable id', () => {
    const a = planSamples('m', tests).map((p) => p.sampleId);
    const b = planSamples('m', tests).map((p) => p.sampleId);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(a.every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
  });
});

describe('sampleId', () => {
  it('ignores spacing differences in the prompt', () => {
    expect(sampleId('m', 't', '  a   cat ', 0, video)).toBe(sampleId('m', 't', 'a cat', 0, video));
  });

  it('changes with every output-changing setting', () => {
    const base = sampleId('m', 't', 'a cat', 0, video);
    expect(sampleId('other', 't', 'a cat', 0, video)).not.toBe(base);
    expect(sampleId('m', 't2', 'a cat', 0, video)).not.toBe(base);
    expect(sampleId('m', 't', 'a dog', 0, video)).not.toBe(base);
    expect(sampleId('m', 't', 'a cat', 1, video)).not.toBe(base);
    expect(sampleId('m', 't', 'a cat', 0, { ...video, num_frames: 24 })).not.toBe(base);
    expect(sampleId('m', 't', 'a cat', 0, { ...video, width: 512 })).not.toBe(base);
    expect(sampleId('m', 't', 'a cat', 0, { ...video, fps: 6 })).not.toBe(base);
  });
});
