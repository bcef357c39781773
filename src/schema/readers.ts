import { z } from 'zod';
import { TemporalCIError } from '../errors.js';
import { type IndexEntry, type RunState, STATE_SCHEMA_VERSION } from './files.js';
import { RUN_SCHEMA_VERSION, type RunRecord, type RunStatus, type SampleRecord } from './run.js';
import type { MetricValues } from './values.js';

/**
 * zod readers for every file the store writes (run.json, index.json, state.json, tags.json and the lines of
 * samples.jsonl), so that a file is either read as its type or refused with a STORE_CORRUPT error naming the
 * file and the field. Objects are loose (unknown keys pass through untouched): a file written by a newer
 * version, or a run.json with optional parts this reader does not list, reads and rewrites unchanged. Only
 * what readers dereference without a guard is required, and every one of those fields has been written
 * since the first version, so artifacts folders of earlier versions keep reading.
 */

const RUN_STATUSES = ['PASS', 'FAIL', 'ERROR', 'INTERRUPTED'] as const satisfies readonly RunStatus[];
type MissingStatus = Exclude<RunStatus, (typeof RUN_STATUSES)[number]>;
const _everyStatus: MissingStatus extends never ? true : never = true;

const metricValues: z.ZodType<MetricValues> = z.lazy(() =>
  z.record(z.string(), z.union([z.number(), z.null(), metricValues])),
);

const sampleRecord = z.looseObject({
  sample_id: z.string().min(1),
  test_id: z.string(),
  prompt: z.string(),
  seed: z.number(),
  video_path: z.string().nullable(),
  video: z.looseObject({ width: z.number(), height: z.number() }).nullable(),
  retained: z.boolean(),
  attempts: z.number(),
  timings: z.record(z.string(), z.number()),
  error: z.looseObject({ stage: z.string(), code: z.string(), message: z.string() }).nullable(),
  metrics: z.record(z.string(), metricValues),
  metadata: z.record(z.string(), z.unknown()),
});

const runRecord = z.looseObject({
  schema_version: z.literal(RUN_SCHEMA_VERSION),
  run_id: z.string().min(1),
  timestamp_utc: z.string(),
  finished_utc: z.string(),
  project: z.string(),
  suite_name: z.string(),
  model_name: z.string(),
  status: z.enum(RUN_STATUSES),
  exit_code: z.number(),
  suite: z.looseObject({ path: z.string(), hash: z.string() }),
  environment: z.looseObject({ temporalci: z.string() }),
  baseline: z.looseObject({ mode: z.string(), run_id: z.string().nullable() }),
  settings: z.looseObject({}),
  counts: z.looseObject({
    planned: z.number(),
    generated: z.number(),
    measured: z.number(),
    failed: z.number(),
  }),
  duration_s: z.number(),
  samples: z.array(sampleRecord),
  metrics: z.record(z.string(), z.looseObject({ values: metricValues, sample_count: z.number() })),
  gates: z.array(
    z.looseObject({ index: z.number(), metric: z.string(), passed: z.boolean(), reason: z.string() }),
  ),
  gate_failed: z.boolean(),
  regressions: z.array(z.looseObject({ metric: z.string(), regressed: z.boolean() })),
  regression_failed: z.boolean(),
  ignore_regression: z.boolean(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
  tag: z.string().optional(),
  note: z.string().optional(),
});

const indexEntry = z.looseObject({
  run_id: z.string().min(1),
  timestamp_utc: z.string(),
  status: z.enum(RUN_STATUSES),
  samples_planned: z.number(),
  samples_measured: z.number(),
  gate_failed: z.boolean(),
  regression_failed: z.boolean(),
});

export const INDEX_SCHEMA_VERSION = 1;

const indexFile = z.looseObject({
  schema_version: z.literal(INDEX_SCHEMA_VERSION),
  runs: z.array(indexEntry),
});

const runState = z.looseObject({
  schema_version: z.literal(STATE_SCHEMA_VERSION),
  run_id: z.string().min(1),
  started_utc: z.string(),
  project: z.string(),
  suite_name: z.string(),
  model_name: z.string(),
  suite: z.looseObject({ path: z.string(), hash: z.string() }),
  options: z.looseObject({
    baseline_mode: z.string(),
    sample_limit: z.number().nullable(),
    workers: z.number(),
    retries: z.number(),
    timeout_s: z.number().nullable(),
    max_failed_ratio: z.number(),
    ignore_regression: z.boolean(),
    deadline_s: z.number().nullable(),
    tag: z.string().nullable(),
  }),
  sessions: z.number().int().min(1),
});

const tagsFile = z.record(z.string(), z.string());

// The fully typed files are checked against their declared types both ways at compile time: a field added
// to IndexEntry or RunState without its reader (or the other way round) does not build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The declared fields of a loose object's output, without the index signature `looseObject` adds. */
type Declared<T> = T extends readonly (infer U)[]
  ? Declared<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Declared<T[K]> }
    : T;
const _indexEntryMatches: Same<Declared<z.infer<typeof indexEntry>>, IndexEntry> = true;
const _runStateMatches: Same<Declared<z.infer<typeof runState>>, RunState> = true;

/** A file kind the store reads, with what to call it in messages and how to recover from a bad one. */
export interface StoredFile<T> {
  what: string;
  schema: z.ZodType;
  hint: string;
  /** The version field this reader understands, to say "written by a newer version" instead of a field error. */
  version?: number;
  /** Marker for the output type; never set. */
  readonly _type?: T;
}

export const RUN_RECORD_FILE: StoredFile<RunRecord> = {
  what: 'run record',
  schema: runRecord,
  version: RUN_SCHEMA_VERSION,
  hint: 'restore the file from a copy, or delete the run folder and run `temporalci repair-index`',
};

export const INDEX_JSON_FILE: StoredFile<{ schema_version: number; runs: IndexEntry[] }> = {
  what: 'run index',
  schema: indexFile,
  version: INDEX_SCHEMA_VERSION,
  hint: 'delete it: the next command rebuilds it from the run folders',
};

export const RUN_STATE_FILE: StoredFile<RunState> = {
  what: 'run state',
  schema: runState,
  version: STATE_SCHEMA_VERSION,
  hint: 'the run cannot be resumed from this file; start a new run instead',
};

export const TAGS_JSON_FILE: StoredFile<Record<string, string>> = {
  what: 'tag file (name → run id)',
  schema: tagsFile,
  hint: 'fix or delete the file; tags are re-created with `temporalci tag set`',
};

export const SAMPLE_LINE: StoredFile<SampleRecord> = {
  what: 'sample record',
  schema: sampleRecord,
  hint: 'the sample is generated again when the run is resumed',
};

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => {
    const where = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${where.replace(/^\./, '') || '(top level)'}: ${i.message}`;
  });
  const more = error.issues.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** Validates a parsed value; null when it is not one (for tolerant readers such as samples.jsonl lines). */
export function checkStored<T>(kind: StoredFile<T>, value: unknown): T | null {
  const r = kind.schema.safeParse(value);
  return r.success ? (r.data as T) : null;
}

/** Parses and validates one stored file's text; a bad file is a STORE_CORRUPT error naming it and the field. */
export function parseStored<T>(kind: StoredFile<T>, text: string, file: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
      { file, hint: kind.hint },
    );
  }
  const version =
    value !== null && typeof value === 'object'
      ? (value as { schema_version?: unknown }).schema_version
      : null;
  if (kind.version !== undefined && typeof version === 'number' && version !== kind.version) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${file} is a ${kind.what} of schema_version ${version}; this version reads ${kind.version}`,
      { file, hint: 'use the TemporalCI version that wrote it, or a newer one' },
    );
  }
  const r = kind.schema.safeParse(value);
  if (!r.success) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${file} is not a TemporalCI ${kind.what}: ${describeIssues(r.error)}`,
      {
        file,
        hint: kind.hint,
      },
    );
  }
  return r.data as T;
}
