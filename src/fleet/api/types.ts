/**
 * The coordinator's HTTP contract (v1), shared by the coordinator, the worker and the submitting CLI: the
 * request bodies as zod schemas (validated at the door, like the suite), the answers as types.
 */
import { z } from 'zod';
import type { PlannedSample } from '../../runs/types.js';
import type { RunRecord } from '../../schema/run.js';
import type { RunKey } from '../../store/types.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');

export const submitRunBody = z.strictObject({
  bundle: sha256,
  /** The suite YAML inside the bundle (its manifest names it); checked, never a path on the coordinator. */
  suite: z.string().min(1).optional(),
  baseline_mode: z.string().min(1).optional(),
  options: z
    .strictObject({
      retries: z.number().int().min(0).optional(),
      timeout_s: z.number().positive().optional(),
      max_failed_ratio: z.number().min(0).max(1).optional(),
      sample_limit: z.number().int().positive().optional(),
      ignore_regression: z.boolean().optional(),
      tag: z.string().min(1).optional(),
    })
    .default({}),
});
export type SubmitRunBody = z.infer<typeof submitRunBody>;

export const claimBody = z.strictObject({
  /** A name for this worker in events (its host, a GPU box), never a secret. */
  worker: z.string().min(1).max(200),
  labels: z.record(z.string(), z.string()).default({}),
  /** The adapters that run submitted code this worker's operator allowed (`--allow-adapters`). */
  allow_adapters: z.array(z.string().min(1).max(500)).max(100).default([]),
});

export const uploadsBody = z.strictObject({
  files: z.array(z.string().min(1).max(500)).max(1000),
});

export const completeBody = z.strictObject({
  record: z.looseObject({ sample_id: z.string(), test_id: z.string() }),
  /** The files the worker uploaded through `uploads`, by the names the record uses. */
  files: z.array(z.strictObject({ name: z.string().min(1), size: z.number().int().min(0) })),
  gpu_s: z.number().min(0),
});

export const failBody = z.strictObject({
  error: z.string().min(1).max(4000),
});

/** What a claim hands a worker: everything to run one sample, nothing secret but the short-lived URL. */
export interface JobSpec {
  lease_token: string;
  lease_sec: number;
  attempt: number;
  run: RunKey;
  model: string;
  bundle: { sha256: string; url: string };
  sample: PlannedSample;
  retries: number;
  timeout_s: number | null;
}

export interface ModelRunView {
  run: RunKey;
  state: 'running' | 'finishing' | 'done' | 'error' | 'interrupted';
  status: string | null;
  exit_code: number | null;
  error: string | null;
  waves: { evaluated: number; total: number };
  /** run.json once committed (it holds no secret), so the submitter prints the summary a local run prints. */
  record: RunRecord | null;
  /** Where the run is kept (the fleet store's description, no password). */
  location: string;
}

export interface RunView {
  id: string;
  done: boolean;
  /** The worst exit code of its model runs once done, as a local `run` exits; null before. */
  exit_code: number | null;
  models: ModelRunView[];
}

/** Why a lease call is refused (409): the lease moved on or ended, or the job is not needed any more. */
export type LeaseRefusal = 'lease_lost' | 'cancelled';
