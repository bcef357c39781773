import { z } from 'zod';

/**
 * The suite YAML, as a zod schema. Every object is strict: an unknown key is an error (with a
 * "did you mean" from src/suite/issues.ts), never silently ignored. Registry-dependent checks (adapter and
 * metric names, their params, gate paths, SPRT params) run after this, in src/suite/validate.ts.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
/** A name that becomes a folder under the artifacts directory. */
const safeName = nonEmpty.regex(
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  'may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit',
);

export const GATE_OPS = ['>=', '>', '<=', '<', '==', '!='] as const;
export type GateOp = (typeof GATE_OPS)[number];

export const GATE_AGGREGATES = ['mean', 'min', 'max', 'p10', 'p50', 'p90'] as const;
export type GateAggregate = (typeof GATE_AGGREGATES)[number];

export const GATE_METHODS = ['threshold', 'sprt_regression'] as const;
export type GateMethod = (typeof GATE_METHODS)[number];

export const modelSchema = z
  .object({
    name: safeName,
    adapter: nonEmpty,
    params: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((v) => v ?? {}),
  })
  .strict();

export const promptSourceSchema = z
  .object({
    kind: z.literal('t2vsafetybench'),
    suite_root: nonEmpty.default('vendor/T2VSafetyBench'),
    prompt_set: z.enum(['tiny', 'full']).default('tiny'),
    classes: z
      .array(z.number().int().min(1).max(14))
      .min(1)
      .default([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    limit_per_class: z.number().int().positive().optional(),
    max_total: z.number().int().positive().optional(),
    shuffle: z.boolean().default(false),
    sample_seed: z.number().int().default(0),
    dedupe: z.boolean().default(true),
  })
  .strict();

/** `resolution: 512` (square) or `resolution: "640x360"`. Expanded into width/height by the loader. */
const resolutionSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+x\d+$/, 'must be a number (square) or "WIDTHxHEIGHT"'),
]);

export const videoSchema = z
  .object({
    num_frames: z.number().int().min(2).max(100_000).default(25),
    fps: z.number().positive().max(1000).default(8),
    width: z.number().int().min(16).max(8192).optional(),
    height: z.number().int().min(16).max(8192).optional(),
    resolution: resolutionSchema.optional(),
  })
  .strict();

export const testSchema = z
  .object({
    id: safeName,
    type: z.literal('generation').default('generation'),
    prompts: z.array(nonEmpty).optional(),
    prompt_file: nonEmpty.optional(),
    prompt_source: promptSourceSchema.optional(),
    seeds: z.array(z.number().int().min(0)).min(1).default([0]),
    video: videoSchema.default(() => videoSchema.parse({})),
  })
  .strict();

export const metricSchema = z
  .object({
    name: nonEmpty,
    params: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((v) => v ?? {}),
  })
  .strict();

export const gateSchema = z
  .object({
    metric: nonEmpty,
    op: z.enum(GATE_OPS),
    value: z.union([z.number(), z.string(), z.boolean()]),
    method: z.enum(GATE_METHODS).default('threshold'),
    aggregate: z.enum(GATE_AGGREGATES).default('mean'),
    params: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((v) => v ?? {}),
    /** Windowed gate: fail only when the gate failed in at least `min_failures` of the last `window` runs. */
    window: z.number().int().min(0).default(0),
    min_failures: z.number().int().min(0).optional(),
  })
  .strict();

export const artifactsSchema = z
  .object({
    video: z.enum(['all', 'failures_only', 'none']).default('all'),
    max_samples: z.number().int().positive().optional(),
    encode: z.enum(['h264', 'h265', 'vp9']).default('h264'),
    keep_workdir: z.boolean().default(false),
  })
  .strict();

/** Execution settings; CLI flags override them. */
export const runSettingsSchema = z
  .object({
    workers: z.number().int().min(1).max(64).default(1),
    retries: z.number().int().min(0).max(20).default(0),
    /** Share of samples allowed to fail before the run is an error (exit 1). 0 = none may fail. */
    max_failed_ratio: z.number().min(0).max(1).default(0),
    timeout_s: z.number().positive().optional(),
  })
  .strict();

export const suiteSchema = z
  .object({
    version: z.literal(1),
    project: safeName,
    suite_name: safeName,
    models: z.array(modelSchema).min(1),
    tests: z.array(testSchema).min(1),
    metrics: z.array(metricSchema).min(1),
    gates: z.array(gateSchema).min(1),
    artifacts: artifactsSchema.default(() => artifactsSchema.parse({})),
    run: runSettingsSchema.default(() => runSettingsSchema.parse({})),
  })
  .strict();

export type SuiteConfig = z.infer<typeof suiteSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TestConfig = z.infer<typeof testSchema>;
export type MetricConfig = z.infer<typeof metricSchema>;
export type GateConfig = z.infer<typeof gateSchema>;
export type ArtifactsConfig = z.infer<typeof artifactsSchema>;
export type RunSettings = z.infer<typeof runSettingsSchema>;
export type PromptSourceConfig = z.infer<typeof promptSourceSchema>;
