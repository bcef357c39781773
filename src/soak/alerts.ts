import {
  deliver,
  describeTarget,
  resolveWebhook,
  targetSecrets,
  type WebhookTarget,
} from '../notify/webhook.js';
import { redact } from '../platform/env.js';
import type { NotifyConfig } from '../schema/suite.js';
import type { Outcome } from './state.js';

/**
 * Soak alerts through the webhook code of src/notify: on changes of state only (a soak runs for days; a
 * message per cycle would be ignored). Without a webhook nothing is sent and nothing pretends it was.
 */

export type SoakEvent =
  | 'detector_miss'
  | 'detector_restored'
  | 'unexpected_failure'
  | 'recovered'
  | 'supervisor_restart';

/**
 * Pure: the alert a cycle's outcome raises given the job's previous one (null for its first cycle).
 * expect fail: a pass is a detector miss (the gate no longer catches the known regression).
 * expect pass: pass → fail/error is an unexpected failure, fail/error → pass a recovery.
 */
export function cycleEvent(
  expect: 'pass' | 'fail',
  previous: Outcome | null,
  outcome: Outcome,
): SoakEvent | null {
  if (outcome === 'interrupted') return null;
  const ok = (o: Outcome) => (expect === 'pass' ? o === 'pass' : o === 'fail');
  const wasOk = previous === null || previous === 'interrupted' ? null : ok(previous);
  if (expect === 'fail' && outcome === 'pass') return wasOk === false ? null : 'detector_miss';
  if (ok(outcome)) return wasOk === false ? (expect === 'fail' ? 'detector_restored' : 'recovered') : null;
  return wasOk === false ? null : 'unexpected_failure';
}

export interface SoakAlert {
  event: SoakEvent;
  job: string | null;
  cycle: number | null;
  outcome: Outcome | null;
  expect: 'pass' | 'fail' | null;
  runs: string[];
  text: string;
}

function body(format: WebhookTarget['format'], a: SoakAlert): Record<string, unknown> {
  if (format === 'slack') return { text: a.text };
  if (format === 'discord') return { content: a.text.slice(0, 2000) };
  return { source: 'temporalci-soak', ...a };
}

export class Alerter {
  private readonly target: WebhookTarget | null;

  constructor(
    config: NotifyConfig | undefined,
    private readonly warn: (m: string) => void,
  ) {
    this.target = resolveWebhook(config);
  }

  get enabled(): boolean {
    return this.target !== null;
  }

  /** Sends one alert; a failed delivery is a warning (it never stops the soak). */
  async send(a: SoakAlert): Promise<boolean> {
    if (this.target === null) return false;
    const r = await deliver(this.target, body(this.target.format, a));
    if (!r.ok) {
      const why = redact(r.error ?? `HTTP ${r.status}`, targetSecrets(this.target));
      this.warn(`soak alert ${a.event} to ${describeTarget(this.target.url)} failed: ${why}`);
    }
    return r.ok;
  }
}
