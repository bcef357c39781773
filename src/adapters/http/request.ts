import { TemporalCIError } from '../../errors.js';
import { redact } from '../../platform/env.js';
import { RetryFailure, readCapped, retryAfterMs, withRetries } from '../../platform/http.js';
import { AddressRefused, type NetworkPolicy } from './policy.js';

// The adapter's retry timing is platform/http's; re-exported because the adapter's unit tests pin it here.
export { backoffMs, retryAfterMs } from '../../platform/http.js';

/** What every request of one sample shares: limits, secrets to redact, a log, the sample's signal. */
export interface HttpContext {
  /** The sample's signal (engine timeout or Ctrl-C): bounds everything, including retry waits. */
  signal: AbortSignal;
  requestTimeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  maxRetryWaitMs: number;
  /** Cap on a video body (streamed to disk). */
  maxResponseBytes: number;
  /** Cap on a JSON body (held in memory, then parsed). */
  maxJsonBytes: number;
  /** Which URLs may be fetched and which get the suite's headers (http/policy.ts). */
  policy: NetworkPolicy;
  /** Interpolated header values: never shown anywhere. */
  secrets: readonly string[];
  log: (line: string) => void;
  /** Requests sent so far (all attempts), for metadata. */
  requests: number;
  /** The suite's refusal signal for an error response: the reason when it is a refusal (see http/refusal.ts). */
  refusal?: (status: number, body: string) => string | undefined;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: string;
  /** The suite's headers: sent on the endpoint's origin only, whatever the URL (NetworkPolicy.headersFor). */
  headers: Record<string, string>;
  body?: string;
  /** A refusal may answer this request (generation and job status, not a video download). */
  refusable?: boolean;
}

const SNIPPET_CHARS = 300;

/** A URL safe to print: no credentials, no query string or fragment (both often carry tokens). */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

export function snippet(text: string, secrets: readonly string[]): string {
  const clean = redact(text, secrets).replace(/\s+/g, ' ').trim();
  return clean.length > SNIPPET_CHARS ? `${clean.slice(0, SNIPPET_CHARS)}…` : clean;
}

export function httpError(ctx: HttpContext, spec: RequestSpec, what: string, hint?: string): TemporalCIError {
  const message = redact(`http adapter: ${spec.method} ${publicUrl(spec.url)} ${what}`, ctx.secrets);
  return new TemporalCIError('ADAPTER_FAILED', message, {
    hint: hint ?? 'check the endpoint and the server logs',
  });
}

function abortedError(ctx: HttpContext, spec: RequestSpec): TemporalCIError {
  const reason: unknown = ctx.signal.reason;
  const why = reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'was interrupted';
  return httpError(ctx, spec, `${why} (sample deadline)`, 'raise run.timeout_s / --timeout');
}

export interface Sent {
  response: Response;
  /** The URL that answered, after redirects: relative URLs in its body resolve against it. */
  url: string;
  /** Aborts with the per-request timeout: pass it on to whoever reads the body. */
  signal: AbortSignal;
  /** Set when the response is the suite's refusal signal; its body has then been read. */
  refusal?: string;
}

/**
 * Sends one request with per-request timeouts and retries (platform/http): network errors, timeouts, 429
 * and 5xx are retried (honouring Retry-After, capped at max_retry_wait_s), other 4xx are not. These
 * retries live inside one engine attempt; the engine's own `retries` re-run the whole sample on top of them.
 */
export async function send(ctx: HttpContext, spec: RequestSpec): Promise<Sent> {
  const where = `${spec.method} ${publicUrl(spec.url)}`;
  try {
    const { value } = await withRetries<Sent>(
      async (attempt, signal) => {
        ctx.requests++;
        const { response, url } = await fetchFollowing(ctx, spec, signal);
        ctx.log(`${where} → ${response.status} (attempt ${attempt})`);
        if (response.ok) return { done: { response, url, signal } };
        // An unreadable error body leaves the status alone to explain the failure.
        const body = await readCapped(response, 64 * 1024).catch(() => Buffer.alloc(0));
        const text = body === 'too-large' ? '<body too large>' : body.toString('utf8');
        // A refusal is the model's answer, not a failure: returned as such, never retried.
        const refusal = spec.refusable === true ? ctx.refusal?.(response.status, text) : undefined;
        if (refusal !== undefined) return { done: { response, url, signal, refusal } };
        const why = `returned HTTP ${response.status}${text === '' ? '' : `: ${snippet(text, ctx.secrets)}`}`;
        if (response.status !== 429 && response.status < 500) {
          throw httpError(ctx, spec, why, 'the server refused the request; a retry would not help');
        }
        const after = retryAfterMs(response.headers.get('retry-after'));
        return {
          retry: why,
          status: response.status,
          ...(after === undefined ? {} : { retryAfterMs: after }),
        };
      },
      {
        retries: ctx.maxRetries,
        backoffMs: ctx.backoffMs,
        maxWaitMs: ctx.maxRetryWaitMs,
        longRetryAfter: 'cap',
        timeoutMs: ctx.requestTimeoutMs,
        signal: ctx.signal,
        onError: (reason, attempt) => ctx.log(`${where} ${reason} (attempt ${attempt})`),
      },
    );
    return value;
  } catch (e) {
    if (!(e instanceof RetryFailure)) throw e;
    if (e.ending === 'aborted') throw abortedError(ctx, spec);
    const reason = snippet(e.reason, ctx.secrets);
    throw httpError(ctx, spec, `${reason} (after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'})`);
  }
}

const MAX_REDIRECTS = 10;

/**
 * fetch with redirects followed by hand, each hop checked by the network policy before it is sent: headers
 * (tokens) go only to the endpoint's origin — fetch itself drops Authorization across origins but would
 * forward any other header (X-Api-Key) to wherever a server redirects. 307/308 repeat the method and body;
 * other redirects become a GET, as browsers do. A hop back to a URL already visited is a loop, reported as
 * such (never retried); so is a chain longer than MAX_REDIRECTS.
 */
async function fetchFollowing(
  ctx: HttpContext,
  spec: RequestSpec,
  signal: AbortSignal,
): Promise<{ response: Response; url: string }> {
  let url = spec.url;
  let method = spec.method;
  let body = spec.body;
  const visited = new Set<string>();
  for (let hop = 0; ; hop++) {
    const refused = await ctx.policy.refusal(new URL(url));
    if (refused !== undefined) {
      const what = hop === 0 ? 'the URL' : `the redirect to ${publicUrl(url)}`;
      throw httpError(
        ctx,
        spec,
        `refused: ${what} ${refused}`,
        'see the http adapter network policy in README.md',
      );
    }
    visited.add(`${method} ${url}`);
    const { fetch } = await import('undici');
    const response = await fetch(url, {
      method,
      headers: ctx.policy.headersFor(url, spec.headers),
      ...(body === undefined ? {} : { body }),
      signal,
      redirect: 'manual',
      dispatcher: await ctx.policy.dispatcher(),
    }).catch((e: unknown) => {
      const refused = e instanceof Error && e.cause instanceof AddressRefused ? e.cause : undefined;
      if (refused === undefined) throw e;
      const what = hop === 0 ? 'the URL' : `the redirect to ${publicUrl(url)}`;
      throw httpError(
        ctx,
        spec,
        `refused: ${what}: ${refused.message}`,
        'see the http adapter network policy in README.md',
      );
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) return { response, url };
    await response.body?.cancel().catch(() => undefined);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw httpError(ctx, spec, `redirected (HTTP ${response.status}) to an invalid URL`);
    }
    if (response.status !== 307 && response.status !== 308) {
      method = 'GET';
      body = undefined;
    }
    if (visited.has(`${method} ${next.href}`)) {
      throw httpError(
        ctx,
        spec,
        `redirect loop: ${publicUrl(url)} redirects (HTTP ${response.status}) back to ${publicUrl(next.href)}`,
        'fix the server redirects; a retry would loop again',
      );
    }
    if (hop + 1 > MAX_REDIRECTS) {
      throw httpError(ctx, spec, `redirected more than ${MAX_REDIRECTS} times`, 'fix the server redirects');
    }
    url = next.href;
  }
}
