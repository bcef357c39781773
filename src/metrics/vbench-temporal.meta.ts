import { z } from 'zod';
import type { MetricMeta } from './types.js';

const VBENCH_TEMPORAL_DIMS = ['temporal_flicker', 'motion_smoothness', 'subject_consistency'] as const;

export type VbenchTemporalDim = (typeof VBENCH_TEMPORAL_DIMS)[number];

const paramsSchema = z
  .object({
    // An unknown name fails validation (VBench silently dropped unknown dimensions).
    dims: z
      .array(z.enum(VBENCH_TEMPORAL_DIMS))
      .min(1)
      .refine((d) => new Set(d).size === d.length, { message: 'dims must not repeat a dimension' })
      .default([...VBENCH_TEMPORAL_DIMS]),
  })
  .strict();

export type VbenchTemporalParams = z.output<typeof paramsSchema>;

export const vbenchTemporalMeta: MetricMeta<VbenchTemporalParams> = {
  name: 'vbench_temporal',
  description:
    "VBench-named temporal dims from pixels, no weights: temporal_flicker = VBench's exact temporal_flickering " +
    'formula; motion_smoothness and subject_consistency are weight-free stand-ins for ' +
    "VBench's AMT-S and DINO dimensions (never compare them with published VBench numbers); score = the " +
    "plain mean of the dims, not VBench's normalised aggregate",
  params: paramsSchema,
  paths: (params) => ['score', ...params.dims.map((d) => `dims.${d}`)],
  higherIsBetter: (path) =>
    path === 'score' || VBENCH_TEMPORAL_DIMS.some((d) => path === `dims.${d}`) ? true : undefined,
  readsPixels: true,
};
