import type { SuiteConfig, TestConfig, VideoSettings } from '../schema/suite.js';

/** A test with its prompts resolved (inline, prompt_file, prompt_source) and its video settings final. */
export interface ResolvedTest {
  id: string;
  type: TestConfig['type'];
  prompts: string[];
  seeds: number[];
  video: VideoSettings;
  /** Per prompt, the T2VSafetyBench class it came from (null for inline or prompt_file prompts); set only
   * when the test has a `prompt_source`. */
  promptClasses?: (number | null)[];
  /** Reference tests (interpolation, upscale): one sample per source and seed; `prompts` holds the sources
   * as written in the suite (they name the samples), `sources` their absolute paths in the same order. */
  reference?: ResolvedReference;
  /** Image-to-video: the test's `init_images`; each sample gets one (src/runs/plan.ts `chooseInitImage`). */
  initImages?: ResolvedInitImage[];
}

export interface ResolvedInitImage {
  /** Absolute path, what the adapter gets. */
  path: string;
  /** As written in the suite: what the choice hashes, so it is the same on every machine and folder. */
  name: string;
}

export type ResolvedReference =
  | { kind: 'interpolation'; sources: string[]; dropEvery: number; padMultiple?: number }
  | { kind: 'upscale'; sources: string[]; scale: number; padMultiple?: number };

/** A suite that loaded and validated: everything the engine needs. */
export interface LoadedSuite {
  /** Absolute path of the suite file. */
  file: string;
  /** Folder of the suite file; relative paths in the suite resolve against it. */
  dir: string;
  /** sha256 of the raw file bytes. */
  hash: string;
  /** The raw text, for tools that rewrite the file preserving comments. */
  text: string;
  config: SuiteConfig;
  tests: ResolvedTest[];
  /** Non-fatal remarks (e.g. a key kept for compatibility), printed by validate and run. */
  warnings: string[];
  /**
   * The line of each gate of `config.gates` in the file (a gate a preset expanded to: the preset's line), so
   * CI annotations and messages point at the gate the user wrote.
   */
  gateLines: number[];
}
