import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, MAX_RETRY_AFTER_MS, resolveWebhook } from '../../src/notify/webhook.js';
import { filesUnder } from '../support/cli.js';
import { type Fixture, makeFixture, runSuiteCli } from '../support/report-fixture.js';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When the server received it (Date.now()). */
  at: number;
}

/** A scripted answer: a status, or a status with a Retry-After header. */
type Answer = number | { status: number; retryAfter: string };

let server: Server;
let base: string;
const hits: Hit[] = [];
/** Answers, in order; 200 once exhausted. */
let script: Answer[] = [];

const TOKEN_PATH = '/services/T000/B000/sup3r-s3cret-token';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      const answer = script.shift() ?? 200;
      if (typeof answer === 'number') res.statusCode = answer;
      else {
        res.statusCode = answer.status;
        res.setHeader('Retry-After', answer.retryAfter);
      }
      res.end(res.statusCode === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('webhooks', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await makeFixture('tci-webhook-');
    const r = await runSuiteCli(f, f.baseSuite);
    expect(r.code, r.stderr).toBe(0);
  });

  it('slack: text + blocks, retried after a 500, and the URL is printed nowhere', async () => {
    hits.length = 0;
    script = [500];
    const url = `${base}${TOKEN_PATH}`;
    const r = await runSuiteCli(f, f.badSuite, [
      '--webhook-url',
      url,
      '--webhook-format',
      'slack',
      '--junit',
      path.join(f.artifacts, 'j.xml'),
      '--output-json',
      path.join(f.artifacts, 'out.json'),
    ]);
    expect(r.code).toBe(2);
    expect(hits.length).toBe(2);
    expect(hits[1]!.path).toBe(TOKEN_PATH);
    const body = JSON.parse(hits[1]!.body) as { text: string; blocks: { type: string }[] };
    expect(body.text).toContain('TemporalCI FAIL');
    expect(body.blocks[0]!.type).toBe('section');
    expect(r.stdout + r.stderr).not.toContain('sup3r-s3cret-token');
    for (const file of await filesUnder(f.artifacts)) {
      expect(await fs.readFile(file, 'latin1'), file).not.toContain('sup3r-s3cret-token');
    }
  });

  it('discord: content + embeds; a failing endpoint is a warning, never a changed exit code', async () => {
    hits.length = 0;
    script = [500, 500, 500, 500];
    const r = await runSuiteCli(f, f.badSuite, [
      '--webhook-url',
      `${base}/discord/xyz-secret`,
      '--webhook-format',
      'discord',
    ]);
    expect(r.code).toBe(2);
    expect(hits.length).toBe(4); // 1 + 3 retries
    const body = JSON.parse(hits[0]!.body) as {
      content: string;
      embeds: { title: string; fields: unknown[] }[];
    };
    expect(body.content).toContain('FAIL');
    expect(body.embeds[0]!.title).toBe('demo/report_e2e/m1');
    expect(r.stderr).toMatch(
      /warning: webhook to http:\/\/127\.0\.0\.1:\d+\/<redacted> failed after 4 attempt\(s\): HTTP 500/,
    );
    expect(r.stderr).not.toContain('xyz-secret');
  });

  it('generic JSON from the suite notify block, signed with HMAC-SHA256; notify_on change skips a repeat', async () => {
    const extra = `notify:
  url: "${base}/generic/\${HOOK_TOKEN}"
  format: json
  notify_on: change
  secret: "\${HOOK_SECRET}"
  retries: 0
`;
    const g = await makeFixture('tci-webhook-change-', extra);
    const env = { HOOK_TOKEN: 'tok123', HOOK_SECRET: 'hmac-key' };
    hits.length = 0;
    script = [];
    expect((await runSuiteCli(g, g.baseSuite, [], env)).code).toBe(0); // first run, PASS: no notification
    expect(hits.length).toBe(0);
    expect((await runSuiteCli(g, g.badSuite, [], env)).code).toBe(2); // PASS -> FAIL: notify
    expect(hits.length).toBe(1);
    const hit = hits[0]!;
    expect(hit.path).toBe('/generic/tok123');
    const expected = `sha256=${createHmac('sha256', 'hmac-key').update(hit.body).digest('hex')}`;
    expect(hit.headers['x-temporalci-signature']).toBe(expected);
    const body = JSON.parse(hit.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'FAIL',
      previous_status: 'PASS',
      event: 'failure',
      model_name: 'm1',
    });
    expect(Array.isArray(body.regressions)).toBe(true);
    expect(String(body.report_path)).toMatch(/report\.html$/);
    expect((await runSuiteCli(g, g.badSuite, [], env)).code).toBe(2); // FAIL -> FAIL: no change, no notification
    expect(hits.length).toBe(1);
  });
  it('a 429 is retried after its Retry-After, not the shorter backoff', async () => {
    hits.length = 0;
    script = [{ status: 429, retryAfter: '2' }];
    const r = await runSuiteCli(f, f.badSuite, ['--webhook-url', `${base}/rate-limited`]);
    expect(r.code).toBe(2);
    expect(hits.length).toBe(2);
    expect(r.stderr).not.toContain('webhook');
    // The backoff alone would retry after 0.5 s; the server asked for 2 s (a lower bound, never flaky).
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(1990);
  });

  it('a Retry-After beyond the longest wait ends the delivery with a reason, without retrying', async () => {
    hits.length = 0;
    script = [{ status: 429, retryAfter: String(MAX_RETRY_AFTER_MS / 1000 + 3540) }];
    const target = resolveWebhook(undefined, { url: `${base}/hour-limit/s3cret`, notifyOn: 'always' });
    if (target === null) throw new Error('no webhook target');
    const sent = await deliver(target, { text: 'hello' });
    expect(hits.length).toBe(1);
    expect(sent).toMatchObject({ ok: false, attempts: 1, status: 429 });
    expect(sent.error).toContain(
      'Retry-After asks for 3600 s, more than the 60 s a delivery waits; not retried',
    );
    expect(sent.error).not.toContain('s3cret');
  });
});
