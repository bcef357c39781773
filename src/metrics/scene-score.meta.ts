import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    // ffmpeg's default `threshold`.
    threshold: z.number().min(0).max(100).default(10),
  })
  .strict();

export type SceneScoreParams = z.output<typeof paramsSchema>;

export const sceneScoreMeta: MetricMeta<SceneScoreParams> = {
  name: 'scene_score',
  description:
    'ffmpeg scdet filter (exact port: mafd = 100*SAD/(count*256), score = clip(min(mafd, |mafd - ' +
    'prev_mafd|), 0, 100)) on luma; max and mean over frames 1..n-1, cuts = frames with score >= threshold ' +
    '(default 10, as ffmpeg); lower = fewer/softer cuts',
  params: paramsSchema,
  paths: () => ['max', 'mean', 'cuts'],
  higherIsBetter: (path) => (path === 'max' || path === 'mean' || path === 'cuts' ? false : undefined),
  readsPixels: true,
};
