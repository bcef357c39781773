import { setTimeout as delay } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { describeError, TemporalCIError } from '../errors.js';
import { timeoutSignal } from './timers.js';

/**
 * The one retrying HTTP client: the http adapter's requests and the webhook deliveries go through
 * `withRetries`. p-retry (also the engine's sample retries) runs the loop, counts the attempts and stops on
 * abort. Its own timers are set to zero, because here the wait depends on the answer — a server's
 * Retry-After replaces the backoff — and p-retry's precomputed timers cannot express that; the wait
 * happens in `onFailedAttempt` instead, which p-retry awaits before the next attempt. (ky would bring
 * Retry-After handling, but also its own redirect and body handling, which the adapter must control:
 * tokens go only to their origin, and every body is read under a cap.)
 */

/** What one attempt came to: a value to return, or a failure worth another attempt. */
export type Attempt<T> =
  | { done: T }
  | {
      /** Why, for the final message ("returned HTTP 503: down"). */
      retry: string;
      status?: number;
      /** The server's Retry-After, in ms (see `retryAfterMs`). */
      retryAfterMs?: number;
    };

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  /** The first wait; doubles per retry, with jitter (see `backoffMs`). */
  backoffMs: number;
  /** Cap on one wait, Retry-After included. */
  maxWaitMs: number;
  /**
   * A Retry-After beyond `maxWaitMs`: 'cap' waits `maxWaitMs` and tries again; 'stop' ends the retries,
   * since a server that asks for more than we would wait would only refuse again, sooner.
   */
  longRetryAfter: 'cap' | 'stop';
  /** Bounds each attempt, including the body reads the attempt does with the signal it is given. */
  timeoutMs: number;
  /** The caller's deadline and Ctrl-C: bounds every attempt and every wait. */
  signal?: AbortSignal;
  /** Told about each attempt that threw (a network error, a timeout), e.g. for a log line. */
  onError?: (reason: string, attempt: number) => void;
}

/** The retries ended without a value. `reason` is the last attempt's failure, for the caller to word. */
export class RetryFailure extends Error {
  constructor(
    readonly reason: string,
    readonly attempts: number,
    /** exhausted: every attempt failed; aborted: the caller's signal; retry-after: asked to wait too long. */
    readonly ending: 'exhausted' | 'aborted' | 'retry-after',
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${reason} (${ending} after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
    this.name = 'RetryFailure';
  }
}

/** An attempt's failure on its way through p-retry to `onFailedAttempt`. */
class Transient extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
  }
}

/**
 * Runs `attempt` until it is done, retrying its failures: those it returns as `{ retry }` (an HTTP status
 * worth retrying), and any error it throws that is not a TemporalCIError (network errors, the attempt's
 * timeout). A TemporalCIError it throws is final and passes through unchanged. Rejects with RetryFailure
 * when the attempts run out, the caller's signal aborts, or a Retry-After is too long under 'stop'.
 */
export async function withRetries<T>(
  attempt: (n: number, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: RetryOptions,
): Promise<{ value: T; attempts: number }> {
  const outer = opts.signal;
  let attempts = 0;
  let last: Transient | undefined;
  const failure = (ending: RetryFailure['ending']): RetryFailure =>
    new RetryFailure(last?.reason ?? 'not sent', attempts, ending, last?.status, last?.retryAfterMs);
  try {
    const value = await pRetry(
      async (n) => {
        if (outer?.aborted) throw new AbortError(failure('aborted'));
        attempts = n;
        const timeout = timeoutSignal(opts.timeoutMs / 1000);
        const signal = outer === undefined ? timeout : AbortSignal.any([outer, timeout]);
        let outcome: Attempt<T>;
        try {
          outcome = await attempt(n, signal);
        } catch (e) {
          if (outer?.aborted) throw new AbortError(failure('aborted'));
          if (e instanceof TemporalCIError) throw new AbortError(e);
          last = new Transient(
            timeout.aborted
              ? `timed out after ${opts.timeoutMs / 1000} s`
              : `failed: ${describeNetworkError(e)}`,
          );
          opts.onError?.(last.reason, n);
          throw last;
        }
        if ('done' in outcome) return outcome.done;
        last = new Transient(outcome.retry, outcome.status, outcome.retryAfterMs);
        throw last;
      },
      {
        retries: opts.retries,
        // Zero: the wait is ours, below (see the module comment).
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        onFailedAttempt: async (error) => {
          if (!(error instanceof Transient) || error.retriesLeft <= 0 || outer?.aborted) return;
          let wait = backoffMs(opts.backoffMs, error.attemptNumber - 1, opts.maxWaitMs);
          if (error.retryAfterMs !== undefined) {
            if (error.retryAfterMs > opts.maxWaitMs && opts.longRetryAfter === 'stop') {
              throw failure('retry-after');
            }
            wait = Math.min(error.retryAfterMs, opts.maxWaitMs);
          }
          await delay(wait, undefined, outer === undefined ? undefined : { signal: outer });
        },
      },
    );
    return { value, attempts };
  } catch (e) {
    if (e instanceof RetryFailure || e instanceof TemporalCIError) throw e;
    // p-retry rejects with the signal's reason on abort, and with the last failure when attempts run out.
    if (outer?.aborted) throw failure('aborted');
    if (e instanceof Transient) throw failure('exhausted');
    throw e;
  }
}

/** undici wraps the useful reason (ECONNREFUSED, …) in `cause` under a bare "fetch failed". */
function describeNetworkError(e: unknown): string {
  if (e instanceof Error && e.cause instanceof Error) return `${e.message}: ${e.cause.message}`;
  return describeError(e);
}

/** Retry-After in ms: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or garbled. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: a random wait in [½, 1] of base·2^attempt, so clients do not stampede. */
export function backoffMs(base: number, attempt: number, cap: number): number {
  const full = Math.min(cap, base * 2 ** attempt);
  return full * (0.5 + Math.random() * 0.5);
}

/** Reads at most `limit` bytes of a body; more is an error (a runaway or hostile server). */
export async function readCapped(res: Response, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    // Refusing the body: should cancelling fail, the connection is dropped with the response anyway.
    await res.body?.cancel().catch(() => undefined);
    return 'too-large';
  }
  if (res.body === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
