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
  junit?: string;
  webhookUrl?: string;
  webhookFormat?: WebhookFormat;
  notifyOn?: NotifyOn;
  /** Run on a fleet: its coordinator, and a submit token (else $TEMPORALCI_TOKEN). */
  coordinatorUrl?: string;
  token?: string;
}
