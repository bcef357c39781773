/** What the coordinator's dispatch runs on, and what it keeps of a submission (shared with ./recover.ts). */
import type { Database } from '../../store/postgres/connection.js';
import type { S3ArtifactStore } from '../../store/s3/store.js';
import type { RunStore, Warn } from '../../store/types.js';

export interface DispatchPorts {
  db: Database;
  store: RunStore;
  artifacts: S3ArtifactStore;
  redisUrl: string;
  /** Lease length (TEMPORALCI_TASK_LEASE_SEC): a worker heartbeats at a third of it. */
  leaseSec: number;
  /** How often BullMQ looks for expired leases; default a third of the lease. */
  stalledIntervalMs?: number;
  queueName?: string;
  warn: Warn;
}

export interface SubmissionState {
  runKeys: string[];
  scratch: string;
  abort: AbortController;
}
