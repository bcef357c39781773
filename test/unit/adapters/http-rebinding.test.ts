import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkPolicy } from '../../../src/adapters/http/policy.js';
import { type HttpContext, send } from '../../../src/adapters/http/request.js';
import type { Resolver } from '../../../src/platform/net.js';

// A DNS rebinding attack: the host answers a public address when the policy checks it, then 127.0.0.1 when
// the connection resolves it again. A real HTTP server on 127.0.0.1 stands for the internal service; only
// the resolver is scripted (a DNS server this test cannot run without root).
let server: http.Server;
let port = 0;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('internal secret');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Answers `first` the first time a host is asked for, `then` after; the endpoint host always `endpoint`. */
function scriptedResolver(
  endpoint: string,
  first: string,
  then: string,
): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = async (host) => {
    asked.push(host);
    if (host === 'model.test') return [{ address: endpoint, family: 4 }];
    const seen = asked.filter((h) => h === host).length;
    return [{ address: seen === 1 ? first : then, family: 4 }];
  };
  return { resolve, asked };
}

function context(policy: NetworkPolicy): HttpContext {
  return {
    signal: AbortSignal.timeout(10_000),
    requestTimeoutMs: 5_000,
    maxRetries: 2,
    backoffMs: 1,
    maxRetryWaitMs: 10,
    maxResponseBytes: 1 << 20,
    maxJsonBytes: 1 << 20,
    policy,
    secrets: [],
    log: () => undefined,
    requests: 0,
  };
}

describe('http adapter network policy against DNS rebinding', () => {
  it('refuses a host that resolves to a public address at the check and to loopback at connect time', async () => {
    hits.length = 0;
    const { resolve, asked } = scriptedResolver('93.184.216.34', '93.184.216.34', '127.0.0.1');
    const policy = new NetworkPolicy(
      'http://model.test/generate',
      [`http://cdn.test:${port}`],
      undefined,
      resolve,
    );
    const ctx = context(policy);
    try {
      const url = `http://cdn.test:${port}/video.mp4`;
      await expect(send(ctx, { method: 'GET', url, headers: {} })).rejects.toThrow(
        /refused: the URL: cdn\.test resolved at connect time to the loopback address 127\.0\.0\.1/,
      );
      // The policy checked once and the connection resolved again: the second answer was refused, once,
      // and nothing reached the internal server.
      expect(asked.filter((h) => h === 'cdn.test')).toHaveLength(2);
      expect(ctx.requests).toBe(1);
      expect(hits).toEqual([]);
    } finally {
      await policy.close();
    }
  });

  it('connects through the checked lookup when every answer is allowed', async () => {
    hits.length = 0;
    // The endpoint is on loopback, so loopback URLs it hands out are allowed: both answers are.
    const { resolve, asked } = scriptedResolver('127.0.0.1', '127.0.0.1', '127.0.0.1');
    const policy = new NetworkPolicy(
      'http://model.test/generate',
      [`http://cdn.test:${port}`],
      undefined,
      resolve,
    );
    try {
      const sent = await send(context(policy), {
        method: 'GET',
        url: `http://cdn.test:${port}/ok`,
        headers: {},
      });
      expect(sent.response.status).toBe(200);
      expect(await sent.response.text()).toBe('internal secret');
      expect(hits).toEqual(['/ok']);
      expect(asked.filter((h) => h === 'cdn.test')).toHaveLength(2);
    } finally {
      await policy.close();
    }
  });
});
