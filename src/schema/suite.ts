import { z } from 'zod';
import { MAX_NAME_LENGTH, MAX_TIMER_S, SAFE_NAME_PATTERN } from './limits.js';

/**
 * The suite YAML, as a zod schema. Every object is strict: an unknown key is an error (with a
 * "did you mean" from src/suite/issues.ts), never silently ignored. Registry-dependent checks (adapter and
 * metric names, their params, gate paths, SPRT params) run after this, in src/suite/validate.ts.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
/** A name that becomes a folder under the artifacts directory. */
const safeName = nonEmpty
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters (it becomes a folder name)`)
  .regex(
    SAFE_NAME_PATTERN,
    'may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit',
  )
  .refine((s) => !s.includes('..'), 'must not contain ".." (it becomes a folder name)');

/** A free-form `params:` mapping (null or absent = {}), checked later by the adapter, metric or gate method. */
function paramsMap(description: string) {
  return z
    .record(z.string(), z.unknown())
    .nullish()
    .describe(description)
    .transform((v) => v ?? {});
}

const GATE_OPS = ['>=', '>', '<=', '<', '==', '!='] as const;
export type GateOp = (typeof GATE_OPS)[number];

const GATE_AGGREGATES = ['mean', 'min', 'max', 'p10', 'p50', 'p90'] as const;
export type GateAggregate = (typeof GATE_AGGREGATES)[number];

export const GATE_METHOD_NAMES = ['threshold', 'sprt_regression', 'paired_test'] as const;
export type GateMethod = (typeof GATE_METHOD_NAMES)[number];

/** `generation` makes videos from prompts; the others are reference tests (src/runs/reference.ts). */
const TEST_TYPES = ['generation', 'interpolation', 'upscale'] as const;

export const modelSchema = z
  .object({
    name: safeName.describe('unique model name; becomes a folder under the run'),
    adapter: nonEmpty.describe(
      'a built-in adapter (see `temporalci list`) or a module path relative to the suite file',
    ),
    params: paramsMap('adapter params, checked by the adapter definition'),
  })
  .strict();

const promptSourceSchema = z
  .object({
    kind: z.literal('t2vsafetybench').describe('prompt source layout'),
    suite_root: nonEmpty
      .default('vendor/T2VSafetyBench')
      .describe('benchmark folder, relative to the suite file'),
    prompt_set: z
      .enum(['tiny', 'full'])
      .default('tiny')
      .describe('tiny: Tiny-T2VSafetyBench/<class>.txt; full: T2VSafetyBench/<class>.txt'),
    classes: z
      .array(z.number().int().min(1).max(14))
      .min(1)
      .default([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
      .describe('class ids 1-14 to read'),
    limit_per_class: z.number().int().positive().optional().describe('at most this many prompts per class'),
    max_total: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('at most this many prompts in all, after dedupe'),
    shuffle: z
      .boolean()
      .default(false)
      .describe('shuffle each class (seeded by sample_seed) before limit_per_class'),
    sample_seed: z.number().int().default(0).describe('seed of the shuffle'),
    dedupe: z.boolean().default(true).describe('drop repeated prompts (case- and whitespace-insensitive)'),
  })
  .strict();

/** `resolution: 512` (square) or `resolution: "640x360"`. Expanded into width/height by the loader. */
const resolutionSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+x\d+$/, 'must be a number (square) or "WIDTHxHEIGHT"'),
]);

const videoSchema = z
  .object({
    num_frames: z.number().int().min(2).max(100_000).default(25).describe('frames per generated video'),
    fps: z.number().positive().max(1000).default(8).describe('frames per second'),
    width: z
      .number()
      .int()
      .min(16)
      .max(8192)
      .optional()
      .describe('pixels; default 256 unless resolution is given'),
    height: z
      .number()
      .int()
      .min(16)
      .max(8192)
      .optional()
      .describe('pixels; default 256 unless resolution is given'),
    resolution: resolutionSchema
      .optional()
      .describe('512 (square) or "640x360"; must agree with width/height if both are given'),
  })
  .strict();

export const testSchema = z
  .object({
    id: safeName.describe('unique test id'),
    type: z
      .enum(TEST_TYPES)
      .default('generation')
      .describe(
        'generation (prompts to video), or a reference test for video-to-video models: interpolation or upscale',
      ),
    prompts: z.array(nonEmpty).optional().describe('inline prompts'),
    prompt_file: nonEmpty
      .optional()
      .describe('UTF-8 file, one prompt per line, # comments; relative to the suite file'),
    prompt_source: promptSourceSchema.optional().describe('prompts read from a benchmark layout'),
    init_images: z
      .array(nonEmpty)
      .min(1)
      .optional()
      .describe(
        'image-to-video: input images, relative to the suite file; each prompt and seed gets one, chosen by a stable hash',
      ),
    seeds: z.array(z.number().int().min(0)).min(1).default([0]).describe('one sample per prompt and seed'),
    video: videoSchema.default(() => videoSchema.parse({})).describe('video settings passed to the adapter'),
    sources: z
      .array(nonEmpty)
      .min(1)
      .optional()
      .describe(
        'interpolation/upscale: truth videos, relative to the suite file; one sample per source and seed',
      ),
    drop_every: z
      .number()
      .int()
      .min(2)
      .max(16)
      .optional()
      .describe(
        'interpolation: the model gets every k-th frame (k-1 of every k dropped) at fps/k and must restore the rest',
      ),
    scale: z
      .number()
      .int()
      .min(2)
      .max(8)
      .optional()
      .describe('upscale: the model gets the source downscaled by this factor and must restore it'),
    pad_multiple: z
      .union([z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128)])
      .optional()
      .describe(
        "reference tests: pad the model's input (right/bottom) to this multiple; a padded output is cropped back",
      ),
  })
  .strict();

export const metricSchema = z
  .object({
    name: nonEmpty.describe('a metric from `temporalci list`'),
    params: paramsMap('metric params, checked by the metric definition'),
  })
  .strict();

export const gateSchema = z
  .object({
    metric: nonEmpty.describe(
      '<metric>.<path>, e.g. vbench_temporal.score; the metric must be listed under metrics',
    ),
    op: z.enum(GATE_OPS).describe('comparison: value OP threshold'),
    value: z.union([z.number(), z.string(), z.boolean()]).describe('threshold; a number for >=, >, <=, <'),
    method: z
      .enum(GATE_METHOD_NAMES)
      .default('threshold')
      .describe(
        'threshold, sprt_regression (sequential, paired with the baseline) or paired_test (fixed-sample)',
      ),
    aggregate: z
      .enum(GATE_AGGREGATES)
      .default('mean')
      .describe('how per-sample values become one (per-sample paths only)'),
    params: paramsMap(
      'method params: threshold (min_absolute_change, min_relative_change), sprt_regression (alpha, beta, ...) or paired_test (test, confidence, ...)',
    ),
    /** Windowed gate: fail only when the gate failed in at least `min_failures` of the last `window` runs. */
    window: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('fail only if the gate failed in min_failures of the last window runs; 0 = off'),
    min_failures: z.number().int().min(0).optional().describe('<= window; default window'),
  })
  .strict();

export const artifactsSchema = z
  .object({
    video: z.enum(['all', 'failures_only', 'none']).default('all').describe('which sample videos to keep'),
    max_samples: z.number().int().positive().optional().describe('keep at most this many videos'),
    encode: z.enum(['h264', 'h265', 'vp9']).default('h264').describe('codec of kept videos'),
    keep_workdir: z
      .boolean()
      .default(false)
      .describe(
        'keep every scratch file of the adapter under work/<sample>/ (its *.log files are always kept)',
      ),
    show_flagged_unblurred: z
      .boolean()
      .default(false)
      .describe(
        'report.html shows samples flagged unsafe (safety_t2v, a judge) unblurred; by default their frames are ' +
          'blurred by ffmpeg and their videos are not embedded',
      ),
  })
  .strict();

/** Execution settings; CLI flags override them (with the same bounds, src/cli/commands/options.ts). */
export const runSettingsSchema = z
  .object({
    workers: z.number().int().min(1).max(64).default(1).describe('samples generated in parallel'),
    retries: z.number().int().min(0).max(20).default(0).describe('retries of a failed generation'),
    /** Share of samples allowed to fail before the run is an error (exit 1). 0 = none may fail. */
    max_failed_ratio: z.number().min(0).max(1).default(0).describe('share of samples allowed to fail'),
    timeout_s: z
      .number()
      .positive()
      .max(MAX_TIMER_S)
      .optional()
      .describe(`per-sample generation timeout, seconds (at most ${MAX_TIMER_S}, about 24.8 days)`),
    deadline_s: z
      .number()
      .positive()
      .max(MAX_TIMER_S)
      .optional()
      .describe(
        `time budget of a run session, seconds (at most ${MAX_TIMER_S}); generation stops early when the remaining samples × the p90 sample time no longer fit`,
      ),
    // A missed deadline says the job ran out of time, not that the model got worse: by default it is an
    // error (exit 1, "no verdict"), like a crashed run. `fail` treats the budget as a requirement (exit 2);
    // `evaluate` gates the samples that finished.
    on_deadline: z
      .enum(['error', 'fail', 'evaluate'])
      .default('error')
      .describe(
        'when the deadline stops generation: error (exit 1), fail (exit 2) or evaluate the finished samples',
      ),
    // 4: the first decision is possible at min_pairs (default 6), so waves of 4 reach it at 8 pairs; the
    // bench (docs/statistics.md §4) measures waves of 4 costing ~18% more samples than waves of 1, while
    // keeping up to 4 workers busy. Smaller waves save samples, larger ones use more parallelism.
    wave_size: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(4)
      .describe(
        'with sprt_regression gates: samples generated between two SPRT decisions; keep >= workers so workers stay busy',
      ),
    shuffle_seed: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('seed of the deterministic shuffle that orders generation so early waves span prompts'),
    // A model that ignores the request (8 frames for 25, 64 px for 512) is broken even when its pixels look
    // fine; measuring it as if it had done what was asked would hide that.
    video_mismatch: z
      .enum(['fail', 'warn'])
      .default('fail')
      .describe(
        'a video whose frame count, fps or size differs from the request: fail the sample, or warn and measure it',
      ),
    max_video_pixels: z
      .number()
      .int()
      .positive()
      .default(2 ** 33)
      .describe(
        'largest video measured, width × height × frames (default 2^33, about 35 s of 4K at 30 fps); larger ones fail before decoding',
      ),
    multiple_comparisons: z
      .enum(['none', 'holm'])
      .default('none')
      .describe('holm: adjust the p-values of all paired_test gates together (family-wise error rate)'),
  })
  .strict();

/** Webhook notification after each model's run; `--webhook-url` and the notify flags override it. */
const notifySchema = z
  .object({
    url: nonEmpty.describe('webhook URL; may use ${ENV_VAR} so the secret stays out of the suite file'),
    format: z.enum(['slack', 'discord', 'json']).default('json').describe('payload shape'),
    notify_on: z
      .enum(['failure', 'change', 'always'])
      .default('failure')
      .describe('failure: status is not PASS; change: status differs from the previous run; always'),
    secret: nonEmpty
      .optional()
      .describe('HMAC-SHA256 key (${ENV_VAR} allowed); signs the body in X-TemporalCI-Signature'),
    timeout_s: z.number().positive().max(120).default(10).describe('per attempt, seconds'),
    retries: z.number().int().min(0).max(10).default(3).describe('retries on network errors, 429 and 5xx'),
  })
  .strict();

export const suiteSchema = z
  .object({
    version: z.literal(1).describe('suite format version; always 1'),
    project: safeName.describe('project name; groups runs and baselines'),
    suite_name: safeName.describe('suite name; groups runs and baselines'),
    models: z.array(modelSchema).min(1).describe('models to generate with'),
    tests: z.array(testSchema).min(1).describe('prompts × seeds to generate'),
    metrics: z.array(metricSchema).min(1).describe('metrics measured on every video'),
    gates: z.array(gateSchema).min(1).describe('pass/fail rules'),
    artifacts: artifactsSchema.default(() => artifactsSchema.parse({})).describe('what to keep on disk'),
    run: runSettingsSchema
      .default(() => runSettingsSchema.parse({}))
      .describe('execution settings; CLI flags override'),
    notify: notifySchema.optional().describe('webhook notification after each run'),
  })
  .strict();

/**
 * The suite as a user writes it, for the JSON Schema: a gates entry may also be `{ preset: <name> }` (a
 * versioned default gate set, src/suite/presets.ts, which then adds the metrics it needs). The loader
 * expands presets before `suiteSchema` checks the result.
 */
export const suiteInputSchema = suiteSchema.extend({
  gates: z
    .array(
      z.union([
        gateSchema,
        z
          .object({
            preset: nonEmpty.describe(
              'a gate preset, e.g. video_regression (newest) or video_regression@1 (pinned)',
            ),
          })
          .strict(),
      ]),
    )
    .min(1)
    .describe('pass/fail rules: gates, or { preset: video_regression } for the default set'),
});

export type SuiteConfig = z.infer<typeof suiteSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TestConfig = z.infer<typeof testSchema>;
export type MetricConfig = z.infer<typeof metricSchema>;
export type GateConfig = z.infer<typeof gateSchema>;
export type ArtifactsConfig = z.infer<typeof artifactsSchema>;
export type NotifyConfig = z.infer<typeof notifySchema>;
export type PromptSourceConfig = z.infer<typeof promptSourceSchema>;

/** The video settings of a test, after defaults (`resolution` expanded to width and height). */
export interface VideoSettings {
  num_frames: number;
  fps: number;
  width: number;
  height: number;
}
