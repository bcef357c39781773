import type { VideoSettings } from '../schema/suite.js';

/** One unit of work: a prompt and a seed of a test, for one model. */
export interface GenerationRequest {
  sampleId: string;
  model: string;
  testId: string;
  prompt: string;
  seed: number;
  video: VideoSettings;
  /** Absolute path the adapter must write its video to (MP4 unless the adapter says otherwise). */
  outputPath: string;
  /** A folder for the adapter's scratch files and logs; kept with the run. */
  workDir: string;
  /** Aborted on timeout or Ctrl-C: adapters must stop their work when it fires. */
  signal: AbortSignal;
  initImage?: string;
  inputVideo?: string;
}

export interface GenerationResult {
  /** The video actually written (normally `outputPath`). */
  videoPath: string;
  /** Free-form facts for run.json (never secrets). */
  metadata?: Record<string, unknown>;
}

export interface Adapter {
  readonly name: string;
  generate(request: GenerationRequest): Promise<GenerationResult>;
  /** Releases long-lived resources (worker processes, sockets). */
  close?(): Promise<void>;
}

export interface AdapterFactoryContext {
  modelName: string;
  /** Folder of the suite file, for resolving relative paths in params. */
  suiteDir: string;
}

/**
 * What `temporalci validate` needs of an adapter: its name, description and params schema. It lives in the
 * adapter's `*.meta.ts` module, which imports none of the adapter's runtime (processes, HTTP, encoders).
 */
export interface AdapterMeta<P = Record<string, unknown>> {
  name: string;
  description: string;
  /** Validates the model's `params` (strict: unknown keys are errors). */
  params: import('zod').ZodType<P>;
}

/** An adapter: its metadata (spread in, so validate and run read the same schema) and its factory. */
export interface AdapterDefinition<P = Record<string, unknown>> extends AdapterMeta<P> {
  create(params: P, ctx: AdapterFactoryContext): Adapter;
}
