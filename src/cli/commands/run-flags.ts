import type { WebhookFormat } from '../../notify/payload.js';
import type { NotifyOn } from '../../notify/webhook.js';

/** `temporalci run`'s flags as commander parses them (src/cli/commands/run.ts defines them). */
export interface RunFlags {
  model?: string;
  includeModel: string[];
  excludeModel: string[];
  artifactsDir: string;
  baselineMode: string;
  ignoreRegression?: boolean;
  tag?: string;
  json?: boolean;
  outputJson?: string;
  progress: boolean;
  sample?: number;
  workers?: number;
  retries?: number;
  timeout?: number;
  deadline?: number;
  onDeadline?: 'error' | 'fail' | 'evaluate';
  resume?: string;
  maxFailedRatio?: number;
  dryRun?: boolean;
  gateOverride: string[];
  report: boolean;
  reportTop: number;
  reportUrl?: string;
  viewerUrl?: string;
  junit?: string;
  webhookUrl?: string;
  webhookFormat?: WebhookFormat;
  notifyOn?: NotifyOn;
  /** Run on a fleet: its coordinator, and a submit token (else $TEMPORALCI_TOKEN). */
  coordinatorUrl?: string;
  token?: string;
  /** The project config to read instead of ./.temporalci.yaml (src/cli/project-config.ts). */
  config?: string;
  /** After each model's run, prune its runs to the newest N (tagged runs and baselines are kept). */
  pruneKeepLast?: number;
  /** Stop after the first model run that does not pass. */
  failFast?: boolean;
  /** Seconds each worker pauses after a sample before it starts the next (rate-limited endpoints). */
  interSampleDelay?: number;
  /** Re-run when the suite file changes, checking every N seconds (true: every second). */
  watch?: number | true;
  /** A label for the runs (the original's `env`): recorded as each run's note, `env: <name>`. */
  env?: string;
  // The original TemporalCI's names, read as ours by resolveOriginalFlags (src/cli/commands/run-compat.ts).
  retry?: number;
  adapterTimeout?: number;
  failOnSkip?: boolean;
  ci?: boolean;
  modelWorkers?: number;
}
