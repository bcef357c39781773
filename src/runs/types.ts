import type { VideoSettings } from '../schema/suite.js';
import type { ReferenceTask } from './reference.js';

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
  /** Image-to-video: absolute path of the test's init image chosen for this prompt and seed. */
  initImage?: string;
}
