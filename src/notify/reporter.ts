import { describeError } from '../errors.js';
import { redact } from '../platform/env.js';
import type { ModelRunResult, Reporter } from '../runs/reporter.js';
import type { RunStore, Warn } from '../store/types.js';
import { buildPayload, eventOf } from './payload.js';
import {
  deliver,
  describeTarget,
  previousStatus,
  shouldNotify,
  targetSecrets,
  type WebhookTarget,
} from './webhook.js';

export interface WebhookReporterOptions {
  target: WebhookTarget;
  /** The model's history, for "changed since the previous run" (notify_on: change) and the payload. */
  store: RunStore;
  /** Where the run's report is, as the payload links it. */
  reportLink: (result: ModelRunResult) => { path: string; url: string | null };
  warn: Warn;
  signal?: AbortSignal;
}

/**
 * A notification after each model run (never for a partial, interrupted one). The URL is a credential:
 * every message about a delivery goes through `redact`, and a failed delivery is a warning, never a
 * changed exit code.
 */
export function webhookReporter(opts: WebhookReporterOptions): Reporter {
  const { target } = opts;
  const warn: Warn = (m) => opts.warn(redact(m, targetSecrets(target)));
  return {
    name: 'webhook',
    async onRunEnd({ result, reason }) {
      if (reason === 'interrupted') return;
      const rec = result.record;
      try {
        const previous = previousStatus(await opts.store.index(result.run), rec.run_id);
        if (!shouldNotify(target.notifyOn, rec.status, previous)) return;
        const where = opts.reportLink(result);
        const payload = buildPayload(target.format, {
          record: rec,
          previousStatus: previous,
          event: eventOf(rec.status, previous),
          reportPath: where.path,
          reportUrl: where.url,
        });
        const sent = await deliver(target, payload, opts.signal);
        if (!sent.ok) {
          warn(
            `webhook to ${describeTarget(target.url)} failed after ${sent.attempts} attempt(s): ${sent.error ?? 'unknown error'}; the run's result is unchanged`,
          );
        }
      } catch (e) {
        warn(`webhook not sent: ${describeError(e)}`);
      }
    },
  };
}
