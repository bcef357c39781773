import type { AdapterMeta } from '../types.js';
import { type MockParams, mockParamsSchema } from './params.js';

export const mockAdapterMeta: AdapterMeta<MockParams> = {
  name: 'mock',
  description:
    'Deterministic procedural video (textured background, moving shapes, optional camera pan) with ' +
    'controllable degradations: noise, flicker, judder, dropped frames, blur, freezes, colour shifts.',
  params: mockParamsSchema,
};
