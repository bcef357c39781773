import { createHash } from 'node:crypto';
import { TemporalCIError } from '../errors.js';
import type { VideoSettings } from '../schema/suite.js';
import type { ResolvedTest } from '../suite/types.js';
import type { PlannedSample, ReferenceTask } from './types.js';

/**
 * Prompts differing only in spacing (around or inside) are the same prompt, and pair across runs. Case is
 * kept: "A cat" and "a cat" get different sample ids, so changing a prompt's case unpairs it from its
 * baseline (one test cannot list both: suite/prompts.ts drops case-insensitive duplicates).
 */
function normalizePrompt(prompt: string): string {
  return prompt.trim().replace(/\s+/g, ' ');
}

/**
 * A stable id for a sample: the same model, test, prompt, seed and output-changing video settings give the
 * same id in every run, which is what pairs a candidate sample with its baseline. Model params are not part
 * of it on purpose: changing them is exactly what a regression run compares.
 */
export function sampleId(
  model: string,
  testId: string,
  prompt: string,
  seed: number,
  video: VideoSettings,
): string {
  const payload = JSON.stringify({
    model,
    test: testId,
    prompt: normalizePrompt(prompt),
    seed,
    video: { num_frames: video.num_frames, fps: video.fps, width: video.width, height: video.height },
  });
  return createHash('sha256').update(payload).digest('hex').slice(0, 16);
}

/**
 * The init image of a sample, by rendezvous (highest-random-weight) hashing: every image gets a score
 * sha256(prompt, seed, image name) and the highest wins. The choice depends only on the prompt (normalized
 * as for sample ids), the seed and the names as written in the suite, so it is the same in every run and on
 * every machine, which keeps baseline and candidate samples paired on the same input; the hash spreads
 * prompts and seeds evenly over the images; and adding an image moves only the samples that now pick it.
 */
export function chooseInitImage<T extends { name: string }>(
  images: readonly T[],
  prompt: string,
  seed: number,
): T {
  let best: T | undefined;
  let bestScore = -1;
  for (const image of images) {
    const digest = createHash('sha256')
      .update(JSON.stringify([normalizePrompt(prompt), seed, image.name]))
      .digest();
    const score = digest.readUIntBE(0, 6);
    if (score > bestScore) {
      best = image;
      bestScore = score;
    }
  }
  if (best === undefined) throw new TemporalCIError('INTERNAL', 'chooseInitImage needs at least one image');
  return best;
}

/** The reference task of a reference test's i-th source (its prompts are its sources, in order). */
function referenceTask(test: ResolvedTest, i: number): ReferenceTask | undefined {
  const ref = test.reference;
  if (ref === undefined) return undefined;
  // As written in the suite (the test's prompts are its sources): the name every machine can resolve.
  const source = { name: test.prompts[i]! };
  const pad = ref.padMultiple === undefined ? {} : { padMultiple: ref.padMultiple };
  return ref.kind === 'interpolation'
    ? { kind: 'interpolation', source, dropEvery: ref.dropEvery, ...pad }
    : { kind: 'upscale', source, scale: ref.scale, ...pad };
}

/** Expands tests × prompts × seeds, in suite order; `limit` keeps the first N (the `--sample` flag). */
export function planSamples(model: string, tests: readonly ResolvedTest[], limit?: number): PlannedSample[] {
  const out: PlannedSample[] = [];
  for (const test of tests) {
    for (const [i, prompt] of test.prompts.entries()) {
      const promptClass = test.promptClasses?.[i] ?? null;
      for (const seed of test.seeds) {
        const planned: PlannedSample = {
          sampleId: sampleId(model, test.id, prompt, seed, test.video),
          testId: test.id,
          prompt,
          seed,
          video: test.video,
          promptClass,
        };
        const reference = referenceTask(test, i);
        if (reference !== undefined) planned.reference = reference;
        if (test.initImages?.length)
          planned.initImage = { name: chooseInitImage(test.initImages, prompt, seed).name };
        out.push(planned);
      }
    }
  }
  return limit === undefined ? out : out.slice(0, limit);
}
