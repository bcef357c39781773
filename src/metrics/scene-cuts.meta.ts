import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    threshold: z.number().positive().max(255).default(27),
    min_scene_len: z.number().int().min(1).max(10_000).default(15),
  })
  .strict();
export type SceneCutsParams = z.output<typeof paramsSchema>;

export const sceneCutsMeta: MetricMeta<SceneCutsParams> = {
  name: 'scene_cuts',
  description:
    'PySceneDetect ContentDetector (HSV, OpenCV 8-bit, threshold 27, min_scene_len 15): number of cuts and ' +
    'the largest content_val; fewer unintended cuts = better',
  params: paramsSchema,
  paths: () => ['cuts', 'max_content_val'],
  higherIsBetter: (p) => (p === 'cuts' ? false : undefined),
  readsPixels: true,
};
