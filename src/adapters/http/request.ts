import { setTimeout as delay } from 'node:timers/promises';
import { describeError, TemporalCIError } from '../../errors.js';
import { redact } from '../../platform/env.js';

/** What every request of one sample shares: limits, secrets to redact, a log, the sample's signal. */
export interface HttpContext {
  /** The sample's signal (engine timeout or Ctrl-C): bounds everything, including retry waits. */
  signal: AbortSignal;
  requestTimeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  maxRetryWaitMs: number;
  maxResponseBytes: number;
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

/** Reads at most `limit` bytes of a body; more is an error (a runaway or hostile server). */
export async function readCapped(res: Response, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
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

function abortedError(ctx: HttpContext, spec: RequestSpec): TemporalCIError {
  const reason: unknown = ctx.signal.reason;
  const why = reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'was interrupted';
  return httpError(ctx, spec, `${why} (sample deadline)`, 'raise run.timeout_s / --timeout');
}

async function wait(ctx: HttpContext, spec: RequestSpec, ms: number): Promise<void> {
  try {
    await delay(ms, undefined, { signal: ctx.signal });
  } catch {
    throw abortedError(ctx, spec);
  }
}

export interface Sent {
  response: Response;
  /** Aborts with the per-request timeout: pass it on to whoever reads the body. */
  signal: AbortSignal;
  /** Set when the response is the suite's refusal signal; its body has then been read. */
  refusal?: string;
}

/**
 * Sends one request with per-request timeouts and retries: network errors, timeouts, 429 and 5xx are retried
 * (honouring Retry-After), other 4xx are not. These retries live inside one engine attempt; the engine's own
 * `retries` re-run the whole sample on top of them.
 */
export async function send(ctx: HttpContext, spec: RequestSpec): Promise<Sent> {
  let last = '';
  for (let attempt = 0; attempt <= ctx.maxRetries; attempt++) {
    if (ctx.signal.aborted) throw abortedError(ctx, spec);
    const timeout = AbortSignal.timeout(ctx.requestTimeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    let waitMs = backoffMs(ctx.backoffMs, attempt, ctx.maxRetryWaitMs);
    ctx.requests++;
    try {
      const response = await fetchFollowing(spec, signal);
      ctx.log(`${spec.method} ${publicUrl(spec.url)} → ${response.status} (attempt ${attempt + 1})`);
      if (response.ok) return { response, signal };
      const body = await readCapped(response, 64 * 1024).catch(() => Buffer.alloc(0));
      const text = body === 'too-large' ? '<body too large>' : body.toString('utf8');
      // A refusal is the model's answer, not a failure: returned as such, never retried.
      const refusal = spec.refusable === true ? ctx.refusal?.(response.status, text) : undefined;
      if (refusal !== undefined) return { response, signal, refusal };
      last = `returned HTTP ${response.status}${text === '' ? '' : `: ${snippet(text, ctx.secrets)}`}`;
      if (response.status !== 429 && response.status < 500) {
        throw httpError(ctx, spec, last, 'the server refused the request; a retry would not help');
      }
      const after = retryAfterMs(response.headers.get('retry-after'));
      if (after !== undefined) waitMs = Math.min(after, ctx.maxRetryWaitMs);
    } catch (e) {
      if (e instanceof TemporalCIError) throw e;
      if (ctx.signal.aborted) throw abortedError(ctx, spec);
      last = timeout.aborted
        ? `timed out after ${ctx.requestTimeoutMs / 1000} s`
        : `failed: ${snippet(describeError(causeOf(e)), ctx.secrets)}`;
      ctx.log(`${spec.method} ${publicUrl(spec.url)} ${last} (attempt ${attempt + 1})`);
    }
    if (attempt < ctx.maxRetries) await wait(ctx, spec, waitMs);
  }
  const tries = ctx.maxRetries + 1;
  throw httpError(ctx, spec, `${last} (after ${tries} attempt${tries === 1 ? '' : 's'})`);
}

/** undici wraps the useful reason (ECONNREFUSED, …) in `cause` under a bare "fetch failed". */
function causeOf(e: unknown): unknown {
  if (e instanceof Error && e.cause instanceof Error) return new Error(`${e.message}: ${e.cause.message}`);
  return e;
}

const MAX_REDIRECTS = 5;

/**
 * fetch with redirects followed by hand: headers (tokens) go only to the origin they were meant for. fetch
 * itself drops Authorization across origins but would forward any other header (X-Api-Key) to wherever a
 * server redirects. 307/308 repeat the method and body; other redirects become a GET, as browsers do.
 */
async function fetchFollowing(spec: RequestSpec, signal: AbortSignal): Promise<Response> {
  let url = spec.url;
  let method = spec.method;
  let body = spec.body;
  let headers = spec.headers;
  const origin = new URL(spec.url).origin;
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      redirect: 'manual',
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null || hop >= MAX_REDIRECTS) {
      return response;
    }
    await response.body?.cancel().catch(() => undefined);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return response;
    if (response.status !== 307 && response.status !== 308) {
      method = 'GET';
      body = undefined;
    }
    url = next.href;
    headers = next.origin === origin ? spec.headers : {};
  }
}
