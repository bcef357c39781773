import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();
export type DynamicDegreeParams = z.output<typeof paramsSchema>;

export const dynamicDegreeMeta: MetricMeta<DynamicDegreeParams> = {
  name: 'dynamic_degree',
  description:
    "VBench's dynamic-degree rule (frame step round(fps/8) half-to-even, min side 256, top-5% flow > 6 px " +
    'in >= round(4N/16) pairs) with a weight-free stand-in for RAFT (block matching + Lucas-Kanade sub-pixel ' +
    'flow on reliable 8x8 blocks; not VBench numbers): dynamic 1/0 (mean over samples = share of dynamic ' +
    'videos), moving pairs, largest and mean top-5% flow (px at 256), flow_coverage = share of blocks ' +
    'with a reliable vector; neither direction is better',
  params: paramsSchema,
  paths: () => ['dynamic', 'moving_pairs', 'top_flow_max', 'top_flow_mean', 'flow_coverage'],
  higherIsBetter: () => undefined,
  readsPixels: true,
};
