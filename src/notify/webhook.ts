import { createHmac } from 'node:crypto';
import { TemporalCIError } from '../errors.js';
import { interpolateEnv, redact } from '../platform/env.js';
import { RetryFailure, readCapped, retryAfterMs, withRetries } from '../platform/http.js';
import type { IndexEntry } from '../schema/files.js';
import type { NotifyConfig } from '../schema/suite.js';
import type { WebhookFormat } from './payload.js';

/**
 * Webhook delivery. The URL is a credential (Slack and Discord put the token in the path), so it never
 * appears in a message, log or artifact: everything printed goes through `redact` with `targetSecrets`. A failed delivery is
 * reported as a warning by the caller; it never changes the run's exit code.
 */

export type NotifyOn = 'failure' | 'change' | 'always';

export interface WebhookTarget {
  url: string;
  format: WebhookFormat;
  notifyOn: NotifyOn;
  secret: string | null;
  timeoutS: number;
  retries: number;
  /** First retry delay; doubles on each retry, with jitter (platform/http). */
  backoffMs: number;
}

const SIGNATURE_HEADER = 'X-TemporalCI-Signature';

/**
 * The longest Retry-After a delivery waits for. A notification holds up the end of a CI job; a server asking
 * for more (a rate limit reset in an hour) would only answer 429 again sooner, so that is the last attempt.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface WebhookOverrides {
  url?: string;
  format?: WebhookFormat;
  notifyOn?: NotifyOn;
  env?: NodeJS.ProcessEnv;
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TemporalCIError(
      'USAGE',
      'the webhook URL is not a valid URL (value not shown: it is a secret)',
      {
        hint: 'pass a full https:// URL to --webhook-url or notify.url',
      },
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TemporalCIError('USAGE', `the webhook URL must be http(s), not ${parsed.protocol}`, {
      hint: 'pass a full https:// URL to --webhook-url or notify.url',
    });
  }
}

/** The webhook to call, from the suite's `notify:` block and the CLI flags (flags win); null when none. */
export function resolveWebhook(
  config: NotifyConfig | undefined,
  o: WebhookOverrides = {},
): WebhookTarget | null {
  const env = o.env ?? process.env;
  const rawUrl = o.url ?? config?.url;
  if (rawUrl === undefined) return null;
  const url = interpolateEnv(rawUrl, 'notify.url', env);
  checkUrl(url);
  const secret = config?.secret === undefined ? null : interpolateEnv(config.secret, 'notify.secret', env);
  return {
    url,
    format: o.format ?? config?.format ?? 'json',
    notifyOn: o.notifyOn ?? config?.notify_on ?? 'failure',
    secret,
    timeoutS: config?.timeout_s ?? 10,
    retries: config?.retries ?? 3,
    backoffMs: 500,
  };
}

/**
 * What must never be shown about a delivery, for `redact` (platform/env.ts): the URL in every form a
 * message may quote it (whole, normalised, path and query) and the signing secret. URL parts of one
 * character ("/", "?") are left out: they are not secret, and redacting them would shred every message.
 */
export function targetSecrets(target: Pick<WebhookTarget, 'url' | 'secret'>): string[] {
  const parts = [target.url];
  try {
    const u = new URL(target.url);
    parts.push(u.href, `${u.pathname}${u.search}`, u.pathname, u.search);
  } catch {
    // an unparsable URL never gets this far (resolveWebhook checks it); the raw text is redacted alone
  }
  const secrets = parts.filter((x) => x.length > 1);
  if (target.secret !== null && target.secret !== '') secrets.push(target.secret);
  return secrets;
}

/** What may be shown about the target: scheme and host only. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/<redacted>`;
  } catch {
    return '<redacted>';
  }
}

/**
 * Should this run notify? failure: the run is not PASS. change: its status differs from the model's
 * previous run in index.json (a first run notifies only when it is not PASS). always: every run.
 */
export function shouldNotify(notifyOn: NotifyOn, status: string, previousStatus: string | null): boolean {
  if (notifyOn === 'always') return true;
  if (notifyOn === 'failure') return status !== 'PASS';
  return previousStatus === null ? status !== 'PASS' : status !== previousStatus;
}

/** The status of the run before `runId` in the model's history (index entries, oldest first). */
export function previousStatus(history: readonly IndexEntry[], runId: string): string | null {
  const earlier = history.filter((e) => e.run_id < runId);
  return earlier.length ? earlier[earlier.length - 1]!.status : null;
}

function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null;
  /** Redacted. */
  error: string | null;
}

/** Enough of an error body to explain a failure; a chat service's error page has no more to say. */
const ERROR_BODY_BYTES = 16 * 1024;

/**
 * POSTs the JSON body through the retrying client (platform/http): network errors, timeouts, 429 and 5xx
 * are retried with exponential backoff, or after the server's Retry-After (on 429 and 503) when it sends
 * one; a Retry-After beyond MAX_RETRY_AFTER_MS ends the delivery with that reason.
 */
export async function deliver(
  target: WebhookTarget,
  payload: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'TemporalCI-webhook',
  };
  if (target.secret) headers[SIGNATURE_HEADER] = sign(body, target.secret);
  const secrets = targetSecrets(target);
  try {
    const { value, attempts } = await withRetries<Omit<DeliveryResult, 'attempts'>>(
      async (_attempt, attemptSignal) => {
        const res = await fetch(target.url, {
          method: 'POST',
          headers,
          body,
          signal: attemptSignal,
          redirect: 'error',
        });
        if (res.ok) {
          // Delivered: the rest of the answer is not needed, and failing to discard it changes nothing.
          await res.body?.cancel().catch(() => undefined);
          return { done: { ok: true, status: res.status, error: null } };
        }
        // An unreadable error body leaves the status alone to explain the failure.
        const read = await readCapped(res, ERROR_BODY_BYTES).catch(() => Buffer.alloc(0));
        const text = read === 'too-large' ? '' : read.toString('utf8');
        const error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
        if (res.status !== 429 && res.status < 500) {
          return { done: { ok: false, status: res.status, error: redact(error, secrets) } };
        }
        // Rate limits (429, and 503 per RFC 9110) say when to come back: that replaces the backoff.
        const after =
          res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
        return { retry: error, status: res.status, ...(after === undefined ? {} : { retryAfterMs: after }) };
      },
      {
        retries: target.retries,
        backoffMs: target.backoffMs,
        maxWaitMs: MAX_RETRY_AFTER_MS,
        longRetryAfter: 'stop',
        timeoutMs: target.timeoutS * 1000,
        ...(signal === undefined ? {} : { signal }),
      },
    );
    return { ...value, attempts };
  } catch (e) {
    if (!(e instanceof RetryFailure)) throw e;
    const note =
      e.ending === 'retry-after' && e.retryAfterMs !== undefined
        ? ` (Retry-After asks for ${Math.ceil(e.retryAfterMs / 1000)} s, more than the ${MAX_RETRY_AFTER_MS / 1000} s a delivery waits; not retried)`
        : '';
    return {
      ok: false,
      attempts: e.attempts,
      status: e.status ?? null,
      error: redact(`${e.reason}${note}`, secrets),
    };
  }
}
