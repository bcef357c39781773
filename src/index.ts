/**
 * The programmatic API. Everything a script or another tool needs: load and validate suites, run them,
 * and the types of what comes back (the same shapes as run.json).
 */

export type { Adapter, AdapterDefinition, GenerationRequest, GenerationResult } from './adapters/types.js';
export { type ErrorCode, type SuiteIssue, SuiteValidationError, TemporalCIError } from './errors.js';
export type { MetricAccumulator, MetricDefinition } from './metrics/types.js';
export { createReporter, REPORTERS, type ReporterName } from './report/reporters/index.js';
export { type DryRunPlan, planRun, type RunOptions, runSuite, type SuiteRunResult } from './runs/engine.js';
export type { LocalExecutor, SampleControl, SampleExecutor } from './runs/executor.js';
export type { ExecutorContext, RunPorts } from './runs/model-run.js';
export type {
  ModelRunResult,
  Reporter,
  RunEndInfo,
  RunEndReason,
  RunStartInfo,
  SampleEndInfo,
  WaveEndInfo,
} from './runs/reporter.js';
export {
  type GateDetail,
  type GateTrace,
  gateTraceSchema,
  type PairedTrace,
  readGateTrace,
  type SprtTrace,
} from './schema/gate-trace.js';
export type {
  GateResult,
  MetricSummary,
  RegressionResult,
  RunRecord,
  RunStatus,
  SampleError,
  SampleRecord,
} from './schema/run.js';
export type { GateConfig, MetricConfig, ModelConfig, SuiteConfig, TestConfig } from './schema/suite.js';
export type { MetricValues } from './schema/values.js';
export { LocalStore } from './store/local.js';
export { MemoryRunStore } from './store/memory.js';
export type { ArtifactKey, ArtifactStore, ModelKey, RunKey, RunLock, RunStore } from './store/types.js';
export { formatIssues } from './suite/issues.js';
export { suiteJsonSchema } from './suite/json-schema.js';
export { loadSuite, validateSuite } from './suite/load.js';
export type { LoadedSuite, ResolvedTest } from './suite/types.js';
