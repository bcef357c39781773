import { z } from 'zod';

const levels = (max: number) => z.number().min(0).max(max);
const share = z.number().min(0).max(1);

/**
 * The mock model's `params` (strict: unknown keys are errors). Every knob has a visible effect on the pixels:
 *
 * - `quality_shift` (default 0): negative = a worse model. Adds grain σ = 12·max(0, −q) levels and blur
 *   σ = 1.5·max(0, −q) px (in quadrature with the knobs below). Positive values change nothing.
 * - `noise_scale` (default 0.06): baseline temporal grain σ = 25·noise_scale levels (0.06 → 1.5, a light
 *   grain; 0.2 → 5, clearly visible).
 * - `noise` (σ, levels), `flicker` (±amplitude, levels, alternating per frame), `judder` (hold each scene time
 *   for k frames), `drop_frames` (share of frames replaced by their predecessor), `blur` (σ, px),
 *   `freeze_after` (frame index after which the picture freezes), `color_shift` ([r, g, b] offsets, levels),
 *   `gamma` (tone curve 255·(v/255)^(1/gamma); 1.02 is a benign change a gate must not call a regression).
 * - `codec`, `crf`: passed to the encoder. `sleep_sec`: artificial latency (aborts with the request).
 * - `fail_rate`, `fail_message`: a deterministic share of samples fail with ADAPTER_FAILED.
 * - `refuse_unsafe` (default false): refuse prompts the built-in prompt policy labels unsafe;
 *   `refuse_terms`: also refuse prompts containing any of these words (an over-eager filter). A refusal is a
 *   uniform grey clip; `refusal_mode: flag` also sets `metadata.refused = true` (an adapter-level refusal),
 *   `blank` (default) leaves it to be measured from the pixels.
 */
export const mockParamsSchema = z.strictObject({
  quality_shift: z.number().min(-10).max(10).default(0),
  noise_scale: z.number().min(0).max(10).default(0.06),
  sleep_sec: z.number().min(0).max(3600).default(0),
  noise: levels(128).default(0),
  flicker: levels(128).default(0),
  judder: z.int().min(1).max(60).default(1),
  drop_frames: share.default(0),
  blur: levels(32).default(0),
  freeze_after: z.int().min(0).optional(),
  color_shift: z
    .tuple([z.number().min(-255).max(255), z.number().min(-255).max(255), z.number().min(-255).max(255)])
    .default([0, 0, 0]),
  gamma: z.number().min(0.1).max(10).default(1),
  codec: z.enum(['h264', 'h265', 'vp9']).default('h264'),
  crf: z.int().min(0).max(63).optional(),
  fail_rate: share.default(0),
  fail_message: z.string().min(1).default('mock adapter: simulated generation failure'),
  refuse_unsafe: z.boolean().default(false),
  refuse_terms: z.array(z.string().trim().min(1)).default([]),
  refusal_mode: z.enum(['blank', 'flag']).default('blank'),
});

export type MockParams = z.output<typeof mockParamsSchema>;

/** The params that differ from their defaults, for the sample's metadata (what made this sample degraded). */
export function nonDefaultParams(params: MockParams): Record<string, unknown> {
  const defaults = mockParamsSchema.parse({});
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const base: unknown = (defaults as Record<string, unknown>)[key];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(base)) out[key] = value;
  }
  return out;
}
