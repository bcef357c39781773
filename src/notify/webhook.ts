import { createHmac } from 'node:crypto';
import { retryAfterMs } from '../adapters/http/request.js';
import { describeError, TemporalCIError } from '../errors.js';
import { interpolateEnv } from '../platform/env.js';
import type { IndexEntry } from '../schema/files.js';
import type { NotifyConfig } from '../schema/suite.js';
import type { WebhookFormat } from './payload.js';

/**
 * Webhook delivery. The URL is a credential (Slack and Discord put the token in the path), so it never
 * appears in a message, log or artifact: everything printed goes through `redact`. A failed delivery is
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
  /** First retry delay; doubles on each retry. */
  backoffMs: number;
}

export const SIGNATURE_HEADER = 'X-TemporalCI-Signature';

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

/** Replaces the URL (and its path and query, in any form) and the secret in text about a delivery. */
export function redact(text: string, target: Pick<WebhookTarget, 'url' | 'secret'>): string {
  let out = text;
  const secrets = [target.url, target.secret ?? ''];
  try {
    const u = new URL(target.url);
    secrets.push(u.href, `${u.pathname}${u.search}`, u.pathname, u.search);
  } catch {
    // an unparsable URL never gets this far (resolveWebhook checks it); redact the raw text only
  }
  for (const s of secrets.filter((x) => x.length > 1).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('<redacted>');
  }
  return out;
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

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null;
  /** Redacted. */
  error: string | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * POSTs the JSON body, retrying network errors, timeouts, 429 and 5xx with exponential backoff, or after the
 * server's Retry-After (on 429 and 503) when it sends one.
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
  let lastError: string | null = null;
  let lastStatus: number | null = null;
  for (let attempt = 1; attempt <= target.retries + 1; attempt++) {
    if (signal?.aborted) break;
    let waitMs: number | undefined;
    try {
      const signals = [AbortSignal.timeout(target.timeoutS * 1000), ...(signal ? [signal] : [])];
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any(signals),
        redirect: 'error',
      });
      lastStatus = res.status;
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true, attempts: attempt, status: res.status, error: null };
      lastError = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (res.status !== 429 && res.status < 500) {
        return { ok: false, attempts: attempt, status: res.status, error: redact(lastError, target) };
      }
      // Rate limits (429, and 503 per RFC 9110) say when to come back: that replaces the backoff.
      waitMs =
        res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
      if (waitMs !== undefined && waitMs > MAX_RETRY_AFTER_MS && attempt <= target.retries) {
        lastError += ` (Retry-After asks for ${Math.ceil(waitMs / 1000)} s, more than the ${MAX_RETRY_AFTER_MS / 1000} s a delivery waits; not retried)`;
        return { ok: false, attempts: attempt, status: res.status, error: redact(lastError, target) };
      }
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
      lastError = `${describeError(e)}${cause}`;
    }
    if (attempt <= target.retries) await sleep(waitMs ?? target.backoffMs * 2 ** (attempt - 1), signal);
  }
  return {
    ok: false,
    attempts: target.retries + 1,
    status: lastStatus,
    error: redact(lastError ?? 'not sent', target),
  };
}
