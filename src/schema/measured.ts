import type { GateResult, MetricSummary, SampleRecord } from './run.js';

/** The parts of a run that gates read: per-sample values and metric summaries (a run.json satisfies it). */
export interface MeasuredRun {
  samples: Pick<SampleRecord, 'sample_id' | 'prompt' | 'seed' | 'metrics'>[];
  metrics: Record<string, MetricSummary>;
  /** Samples an early-stopped run never generated (run.json `skipped_samples`); they cannot pair. */
  skipped_samples?: { sample_id: string }[];
}

/** A past gate verdict, as stored in run.json. */
export type GateRecord = Pick<GateResult, 'metric' | 'op' | 'passed'>;
