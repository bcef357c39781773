import type { ErrorCode } from '../../errors.js';
import type { MetricValues } from '../../schema/values.js';
import type { SampleContext } from '../types.js';

/**
 * Messages between the measuring thread and a metric worker (pool.ts, worker.ts). One worker serves one
 * sample at a time (a session); frames travel as transferred buffers (rgb24, and the stored planes when the
 * decoder delivered them), never structured-cloned.
 */

/** What a worker-side metric knows: the sample context minus the reference stream (which stays in-thread)
 * and the derived-data cache (each side makes its own: it is not data that can travel). */
export type WorkerSampleContext = Omit<SampleContext, 'reference' | 'derived'>;

export interface WorkerMetricSpec {
  /** Name reported back (the suite's name for the metric). */
  name: string;
  /** Registry key of the definition the worker re-creates the accumulator from. */
  registryName: string;
  /** Parsed (defaulted) params: plain data, so they survive structured clone. */
  params: Record<string, unknown>;
}

export type ToWorker =
  | { kind: 'open'; session: number; metrics: WorkerMetricSpec[]; ctx: WorkerSampleContext }
  | {
      kind: 'frame';
      session: number;
      index: number;
      width: number;
      height: number;
      rgb: Uint8Array;
      /** The stored planes (FrameView.planes) as one buffer and its ffmpeg pix_fmt; absent for frames made
       * from rgb24 alone, whose gray plane the worker derives the same way. */
      planes?: { format: string; data: Uint8Array };
    }
  | { kind: 'finish'; session: number }
  /** Drop a session's state without results (decode failed or the run was interrupted). */
  | { kind: 'close'; session: number };

export interface WorkerError {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export type MetricOutcome =
  | { name: string; ok: true; values: MetricValues }
  | { name: string; ok: false; error: WorkerError };

export type FromWorker =
  | { kind: 'ack'; session: number }
  | { kind: 'result'; session: number; outcomes: MetricOutcome[] }
  /** The session could not be opened (unknown metric, bad params): nothing was measured. */
  | { kind: 'failed'; session: number; error: WorkerError };
