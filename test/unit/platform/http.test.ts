import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import {
  type Attempt,
  RetryFailure,
  readCapped,
  retryAfterMs,
  withRetries,
} from '../../../src/platform/http.js';

/** A local server whose answers each test scripts; it records when each request arrived. */
let base: string;
let answer: (res: ServerResponse, hit: number) => void = (res) => res.end('ok');
let hits: number[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    hits.push(Date.now());
    answer(res, hits.length);
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** One attempt as both clients write it: 2xx is done, 429/5xx is retried with the server's Retry-After. */
async function attempt(_n: number, signal: AbortSignal): Promise<Attempt<string>> {
  const res = await fetch(`${base}/x`, { signal });
  const body = await readCapped(res, 1024);
  const text = body === 'too-large' ? '' : body.toString();
  if (res.ok) return { done: text };
  if (res.status === 400) throw new TemporalCIError('USAGE', 'a 400 is final');
  const after = retryAfterMs(res.headers.get('retry-after'));
  return {
    retry: `HTTP ${res.status}`,
    status: res.status,
    ...(after === undefined ? {} : { retryAfterMs: after }),
  };
}

const options = { retries: 3, backoffMs: 10, maxWaitMs: 300, timeoutMs: 2000 } as const;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('withRetries', () => {
  it('retries a 5xx and returns the answer with the number of attempts', async () => {
    hits = [];
    answer = (res, hit) => {
      res.statusCode = hit < 3 ? 503 : 200;
      res.end(hit < 3 ? 'down' : 'fine');
    };
    expect(await withRetries(attempt, { ...options, longRetryAfter: 'cap' })).toEqual({
      value: 'fine',
      attempts: 3,
    });
  });

  it("waits for a Retry-After, capped at maxWaitMs under 'cap'", async () => {
    hits = [];
    answer = (res, hit) => {
      res.statusCode = hit === 1 ? 429 : 200;
      if (hit === 1) res.setHeader('Retry-After', '30');
      res.end();
    };
    await withRetries(attempt, { ...options, longRetryAfter: 'cap' });
    expect(hits).toHaveLength(2);
    const waited = hits[1]! - hits[0]!;
    expect(waited).toBeGreaterThanOrEqual(290); // the cap, not the 10 ms backoff
    expect(waited).toBeLessThan(5000); // and not the 30 s the server asked for
  });

  it("ends at once with the reason when a Retry-After exceeds the cap under 'stop'", async () => {
    hits = [];
    answer = (res) => {
      res.statusCode = 429;
      res.setHeader('Retry-After', '30');
      res.end();
    };
    const e = await rejection(withRetries(attempt, { ...options, longRetryAfter: 'stop' }));
    expect(e).toBeInstanceOf(RetryFailure);
    expect(e).toMatchObject({ ending: 'retry-after', attempts: 1, status: 429, retryAfterMs: 30_000 });
    expect(hits).toHaveLength(1);
  });

  it('gives up after the retries with the last reason', async () => {
    hits = [];
    answer = (res) => {
      res.statusCode = 500;
      res.end();
    };
    const e = await rejection(withRetries(attempt, { ...options, retries: 2, longRetryAfter: 'cap' }));
    expect(e).toMatchObject({ ending: 'exhausted', attempts: 3, reason: 'HTTP 500', status: 500 });
    expect(hits).toHaveLength(3);
  });

  it('passes a TemporalCIError of the attempt through unchanged, without retrying', async () => {
    hits = [];
    answer = (res) => {
      res.statusCode = 400;
      res.end();
    };
    const e = await rejection(withRetries(attempt, { ...options, longRetryAfter: 'cap' }));
    expect(e).toBeInstanceOf(TemporalCIError);
    expect(hits).toHaveLength(1);
  });

  it('retries an attempt that times out, and names the timeout', async () => {
    hits = [];
    answer = () => undefined; // never answers
    const reasons: string[] = [];
    const e = await rejection(
      withRetries(attempt, {
        ...options,
        retries: 1,
        timeoutMs: 150,
        longRetryAfter: 'cap',
        onError: (reason) => reasons.push(reason),
      }),
    );
    expect(e).toMatchObject({ ending: 'exhausted', attempts: 2, reason: 'timed out after 0.15 s' });
    expect(reasons).toEqual(['timed out after 0.15 s', 'timed out after 0.15 s']);
  });

  it("stops a wait when the caller's signal aborts", async () => {
    hits = [];
    answer = (res) => {
      res.statusCode = 503;
      res.end();
    };
    const started = Date.now();
    const e = await rejection(
      withRetries(attempt, {
        ...options,
        backoffMs: 60_000,
        maxWaitMs: 60_000,
        longRetryAfter: 'cap',
        signal: AbortSignal.timeout(300),
      }),
    );
    expect(e).toMatchObject({ ending: 'aborted', attempts: 1, reason: 'HTTP 503' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('readCapped', () => {
  it('refuses a body over the limit, declared or streamed', async () => {
    answer = (res) => res.end('x'.repeat(2048));
    expect(await readCapped(await fetch(`${base}/declared`), 1024)).toBe('too-large');
    answer = (res) => {
      res.write('x'.repeat(800));
      res.end('x'.repeat(800));
    };
    expect(await readCapped(await fetch(`${base}/chunked`), 1024)).toBe('too-large');
    answer = (res) => res.end('small');
    expect((await readCapped(await fetch(`${base}/ok`), 1024)).toString()).toBe('small');
  });
});
