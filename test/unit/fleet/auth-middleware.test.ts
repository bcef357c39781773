import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { MemoryTokens } from '../../../src/fleet/auth/memory.js';
import { type AuthEnv, requireRole } from '../../../src/fleet/auth/middleware.js';
import { DEFAULT_FAILED_AUTH_LIMIT, FailedAuthLimiter } from '../../../src/fleet/auth/rate-limit.js';

/** requireRole on a tiny Hono app, driven through app.request() with the socket address node-server sets. */

function setup() {
  const tokens = new MemoryTokens();
  let now = 1_000_000;
  const limiter = new FailedAuthLimiter(DEFAULT_FAILED_AUTH_LIMIT, () => now);
  const logs: string[] = [];
  const auth = { verifier: tokens, limiter, log: (l: string) => logs.push(l) };
  const app = new Hono<AuthEnv>();
  app.post('/v1/runs', requireRole(auth, 'submit', 'admin'), (c) => c.json({ by: c.get('principal') }));
  app.post('/v1/leases:claim', requireRole(auth, 'worker'), (c) => c.json({ by: c.get('principal') }));
  const responses: Response[] = [];
  const call = async (path: string, authorization?: string, ip = '10.0.0.1') => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const res = await app.request(
      path,
      { method: 'POST', headers },
      { incoming: { socket: { remoteAddress: ip } } },
    );
    responses.push(res.clone());
    return res;
  };
  return { tokens, app, logs, call, responses, advance: (ms: number) => (now += ms) };
}

describe('requireRole', () => {
  it('answers 401 with WWW-Authenticate and a JSON error without a usable token', async () => {
    const { call } = setup();
    for (const header of [undefined, '', 'Basic dXNlcjpwdw==', 'Bearer', 'Bearer a b', 'Bearer tci_nope']) {
      const res = await call('/v1/runs', header);
      expect(res.status, String(header)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="temporalci"/);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
  });

  it('answers 403 to a valid token of another role and 200 with the principal to the right one', async () => {
    const { tokens, call } = setup();
    const worker = tokens.create('worker', 'gpu-1');
    const submit = tokens.create('submit', 'ci-main');
    const admin = tokens.create('admin', 'ops');
    const refused = await call('/v1/runs', `Bearer ${worker}`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: 'forbidden',
      message: 'this endpoint needs a submit or admin token; this one is a worker token',
    });
    for (const [token, role, name] of [
      [submit, 'submit', 'ci-main'],
      [admin, 'admin', 'ops'],
    ] as const) {
      const ok = await call('/v1/runs', `bearer  ${token}`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ by: { tokenId: expect.any(String), name, role } });
    }
    expect((await call('/v1/leases:claim', `Bearer ${worker}`)).status).toBe(200);
    expect((await call('/v1/leases:claim', `Bearer ${admin}`)).status).toBe(403);
  });

  it('answers 401 to a revoked token', async () => {
    const { tokens, call } = setup();
    const token = tokens.create('submit', 'ci');
    expect((await call('/v1/runs', `Bearer ${token}`)).status).toBe(200);
    const principal = await tokens.verify(token);
    expect(tokens.revoke(principal!.tokenId)).toBe(true);
    const res = await call('/v1/runs', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('rate-limits rejected tokens per client IP with 429 and Retry-After, then lets the IP try again', async () => {
    const { tokens, call, advance } = setup();
    const good = tokens.create('submit', 'ci');
    const { burst, refillMs } = DEFAULT_FAILED_AUTH_LIMIT;
    for (let i = 0; i < burst; i++) expect((await call('/v1/runs', 'Bearer tci_guess')).status).toBe(401);
    const limited = await call('/v1/runs', 'Bearer tci_guess');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(Math.ceil(refillMs / 1000)));
    expect(await limited.json()).toMatchObject({ error: 'too_many_failed_attempts' });
    // While limited, even a good token from that IP is not checked; another IP is unaffected.
    expect((await call('/v1/runs', `Bearer ${good}`)).status).toBe(429);
    expect((await call('/v1/runs', `Bearer ${good}`, '10.0.0.2')).status).toBe(200);
    // A request without a token spends nothing and still learns it needs one.
    expect((await call('/v1/runs')).status).toBe(401);
    advance(refillMs);
    expect((await call('/v1/runs', `Bearer ${good}`)).status).toBe(200);
    expect((await call('/v1/runs', 'Bearer tci_guess')).status).toBe(401);
    expect((await call('/v1/runs', 'Bearer tci_guess')).status).toBe(429);
  });

  it('shares one allowance per verifier across routes by default', async () => {
    const tokens = new MemoryTokens();
    const app = new Hono<AuthEnv>();
    app.get('/a', requireRole(tokens, 'admin'), (c) => c.text('a'));
    app.get('/b', requireRole(tokens, 'admin'), (c) => c.text('b'));
    const env = { incoming: { socket: { remoteAddress: '10.9.9.9' } } };
    const bad = { headers: { authorization: 'Bearer tci_guess' } };
    for (let i = 0; i < DEFAULT_FAILED_AUTH_LIMIT.burst; i++) {
      expect((await app.request(i % 2 ? '/a' : '/b', bad, env)).status).toBe(401);
    }
    expect((await app.request('/a', bad, env)).status).toBe(429);
    expect((await app.request('/b', bad, env)).status).toBe(429);
  });

  it('hands a failing verifier to the app error handler instead of answering 401, and spends nothing', async () => {
    const token = new MemoryTokens().create('submit', 'ci');
    const down = { verify: () => Promise.reject(new Error('database unreachable')) };
    const app = new Hono<AuthEnv>();
    app.onError((e, c) => c.json({ error: 'unavailable', message: e.message }, 503));
    app.get('/x', requireRole(down, 'submit'), (c) => c.text('x'));
    const env = { incoming: { socket: { remoteAddress: '10.7.7.7' } } };
    for (let i = 0; i <= DEFAULT_FAILED_AUTH_LIMIT.burst; i++) {
      const res = await app.request('/x', { headers: { authorization: `Bearer ${token}` } }, env);
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain(token);
    }
  });

  it('never echoes or logs a token, good or bad', async () => {
    const { tokens, call, logs, responses } = setup();
    const worker = tokens.create('worker', 'gpu-1');
    const revoked = tokens.create('submit', 'old');
    tokens.revoke((await tokens.verify(revoked))!.tokenId);
    const guess = 'tci_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const malformed = 'Bearer not/a token at all';
    await call('/v1/runs', `Bearer ${worker}`); // 403
    await call('/v1/leases:claim', `Bearer ${worker}`); // 200
    await call('/v1/runs', `Bearer ${revoked}`); // 401
    await call('/v1/runs', malformed); // 401
    for (let i = 0; i < 12; i++) await call('/v1/runs', `Bearer ${guess}`); // 401s then 429s
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([200, 401, 403, 429]));
    expect(logs.length).toBeGreaterThan(0);
    const seen = [...logs];
    for (const r of responses) {
      seen.push(await r.text());
      for (const [name, value] of r.headers) seen.push(`${name}: ${value}`);
    }
    for (const secret of [worker, revoked, guess, 'not/a token at all']) {
      for (const text of seen) expect(text).not.toContain(secret);
    }
  });
});
