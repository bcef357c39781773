import type { VideoSettings } from '../schema/suite.js';

/** One planned unit of work. */
export interface PlannedSample {
  sampleId: string;
  testId: string;
  prompt: string;
  seed: number;
  video: VideoSettings;
  /** T2VSafetyBench class of the prompt when a `prompt_source` supplied it (null otherwise). */
  promptClass?: number | null;
  /** Reference tests: the source the model's input is made from and the truth its output is scored on. */
  reference?: ReferenceTask;
  /** Image-to-video: the test's init image chosen for this prompt and seed. */
  initImage?: SuiteFile;
}

/**
 * A file the suite references (an init image, a reference source), by the name the suite gives it — not by
 * where it sits on the planning machine — so that an executor elsewhere can fetch it from the suite bundle.
 * Locally it resolves against the suite folder, as the loader checked it (src/suite/init-images.ts).
 */
export interface SuiteFile {
  name: string;
}

/** `source` is named as the suite names it, so a worker on another machine can fetch it (src/runs/types.ts). */
export type ReferenceTask =
  | { kind: 'interpolation'; source: SuiteFile; dropEvery: number; padMultiple?: number }
  | { kind: 'upscale'; source: SuiteFile; scale: number; padMultiple?: number };
