import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();
export type ColorfulnessParams = z.output<typeof paramsSchema>;

export const colorfulnessMeta: MetricMeta<ColorfulnessParams> = {
  name: 'colorfulness',
  description:
    'Hasler-Susstrunk colourfulness (sigma_rgyb + 0.3 mu_rgyb) per frame, mean/min/max; 0 = gray, ~33 ' +
    'moderate, ~109 extreme; neither direction is better',
  params: paramsSchema,
  paths: () => ['mean', 'min', 'max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
};
