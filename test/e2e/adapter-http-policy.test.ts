import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAdapter, httpParamsSchema } from '../../src/adapters/http.js';
import type { GenerationRequest, GenerationResult } from '../../src/adapters/types.js';
import { TemporalCIError } from '../../src/errors.js';
import { generationRequest } from '../support/requests.js';

/**
 * The http adapter's network policy against real servers on this machine. Two servers on different ports
 * of 127.0.0.1 are different origins: "another origin is refused" is exercised with a loopback endpoint.
 * "A loopback address is refused" needs an endpoint that is not loopback: a server on this machine's own
 * non-loopback address (skipped when it has none).
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Site {
  server: Server;
  origin: string;
  hits: { url: string; auth: string | undefined }[];
  handler: Handler;
}

let root: string;
let video: Buffer;
let api: Site;
let cdn: Site;
let n = 0;
const TOKEN = 'tok-policy-9c1e';

async function site(host: string): Promise<Site> {
  const s: Site = { server: createServer(), origin: '', hits: [], handler: (_q, r) => r.end() };
  s.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    s.hits.push({ url: req.url ?? '', auth: req.headers.authorization });
    req.resume();
    req.on('end', () => s.handler(req, res));
  });
  await new Promise<void>((resolve) => s.server.listen(0, host, resolve));
  const port = (s.server.address() as AddressInfo).port;
  s.origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return s;
}

async function close(s: Site): Promise<void> {
  s.server.closeAllConnections();
  await new Promise((r) => s.server.close(r));
}

function json(res: ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sendVideo(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'video/mp4' });
  res.end(video);
}

function request(): GenerationRequest {
  return generationRequest(path.join(root, 'run'), `p${++n}`, {
    model: 'remote',
    prompt: 'a fox',
    seed: 1,
    video: { num_frames: 5, fps: 8, width: 64, height: 48 },
    signal: new AbortController().signal,
  });
}

function generate(params: Record<string, unknown>, req = request()): Promise<GenerationResult> {
  const parsed = httpParamsSchema.parse({ retry_backoff_s: 0.01, max_retries: 0, ...params });
  return httpAdapter.create(parsed, { modelName: 'remote', suiteDir: root }).generate(req);
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TemporalCIError);
  return (e as TemporalCIError).message;
}

async function keptFor(req: GenerationRequest): Promise<string[]> {
  const left = await fs.readdir(path.dirname(req.outputPath)).catch(() => []);
  return left.filter((f) => f.startsWith(req.sampleId));
}

/** This machine's first non-loopback IPv4 address, to serve an endpoint that is not loopback. */
function ownAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-http-policy-'));
  const file = path.join(root, 'source.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=8', '-frames:v', '5'],
    ...['-pix_fmt', 'yuv420p', file],
  ]);
  video = readFileSync(file);
  api = await site('127.0.0.1');
  cdn = await site('127.0.0.1');
  process.env.TCI_POLICY_TOKEN = TOKEN;
});

afterAll(async () => {
  delete process.env.TCI_POLICY_TOKEN;
  await close(api);
  await close(cdn);
  await fs.rm(root, { recursive: true, force: true });
});

const headers = { Authorization: 'Bearer ${TCI_POLICY_TOKEN}' };

describe('http adapter network policy', () => {
  it('refuses a video_url on another origin by default; follows it when allowlisted, without the token', async () => {
    cdn.hits = [];
    cdn.handler = (_q, res) => sendVideo(res);
    api.handler = (_q, res) => json(res, { video_url: `${cdn.origin}/internal/secret` });
    const req = request();
    const message = await refusal(generate({ endpoint: `${api.origin}/gen`, headers }, req));
    expect(message).toContain('another origin');
    expect(message).toContain('allowed_origins');
    expect(cdn.hits).toEqual([]);
    expect(await keptFor(req)).toEqual([]);

    const ok = await generate({ endpoint: `${api.origin}/gen`, headers, allowed_origins: [cdn.origin] });
    expect(await fs.readFile(ok.videoPath)).toEqual(video);
    expect(cdn.hits).toEqual([{ url: '/internal/secret', auth: undefined }]);
  });

  it('resolves a relative video_url against the poll that named it, and sends that origin no token', async () => {
    cdn.hits = [];
    api.hits = [];
    cdn.handler = (req, res) =>
      req.url === '/jobs/1' ? json(res, { status: 'done', video_url: '/files/v.mp4' }) : sendVideo(res);
    api.handler = (_q, res) => json(res, { status_url: `${cdn.origin}/jobs/1` }, 202);
    const params = {
      endpoint: `${api.origin}/gen`,
      headers,
      mode: 'async',
      poll_interval_s: 0.01,
      allowed_origins: [cdn.origin],
    };
    const result = await generate(params);
    expect(await fs.readFile(result.videoPath)).toEqual(video);
    expect(api.hits.map((h) => h.url)).toEqual(['/gen']);
    expect(api.hits[0]?.auth).toBe(`Bearer ${TOKEN}`);
    expect(cdn.hits).toEqual([
      { url: '/jobs/1', auth: undefined },
      { url: '/files/v.mp4', auth: undefined },
    ]);
  });

  it('refuses a loopback video_url when the endpoint is not loopback, unless that address is named', async () => {
    const own = ownAddress();
    if (own === undefined) {
      console.warn('skipped: this machine has no non-loopback IPv4 address to serve the endpoint on');
      return;
    }
    const outside = await site(own);
    try {
      cdn.hits = [];
      cdn.handler = (_q, res) => sendVideo(res);
      // `localhost` is an allowlisted name, but it resolves to loopback and the endpoint is not loopback.
      const byName = `http://localhost:${new URL(cdn.origin).port}`;
      outside.handler = (_q, res) => json(res, { video_url: `${byName}/internal` });
      const message = await refusal(
        generate({ endpoint: `${outside.origin}/gen`, allowed_origins: [byName] }),
      );
      expect(message).toMatch(/loopback address (127\.0\.0\.1|::1)/);
      expect(cdn.hits).toEqual([]);
      // Not allowlisted at all: refused as another origin.
      outside.handler = (_q, res) => json(res, { video_url: `${cdn.origin}/internal` });
      expect(await refusal(generate({ endpoint: `${outside.origin}/gen` }))).toContain('another origin');
      // The suite names the loopback address itself: allowed.
      const ok = await generate({ endpoint: `${outside.origin}/gen`, allowed_origins: [cdn.origin] });
      expect(await fs.readFile(ok.videoPath)).toEqual(video);
      expect(cdn.hits.map((h) => h.url)).toEqual(['/internal']);
    } finally {
      await close(outside);
    }
  });

  it('allows a loopback allowlisted name when the endpoint itself is loopback', async () => {
    cdn.handler = (_q, res) => sendVideo(res);
    const byName = `http://localhost:${new URL(cdn.origin).port}`;
    api.handler = (_q, res) => json(res, { video_url: `${byName}/v.mp4` });
    const result = await generate({ endpoint: `${api.origin}/gen`, allowed_origins: [byName] });
    expect(await fs.readFile(result.videoPath)).toEqual(video);
  });

  it('reports a redirect loop as a loop', async () => {
    api.hits = [];
    api.handler = (req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    };
    const message = await refusal(generate({ endpoint: `${api.origin}/a` }));
    expect(message).toContain('redirect loop');
    expect(api.hits.length).toBeLessThan(5);
  });

  it('keeps nothing that is not a video: an HTML page, text labelled video/mp4, an oversized JSON reply', async () => {
    const req = request();
    const page = (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>internal dashboard</html>');
    };
    api.handler = (q, res) => (q.url === '/page' ? page(res) : json(res, { video_url: '/page' }));
    expect(await refusal(generate({ endpoint: `${api.origin}/gen` }, req))).toContain('text/html');
    api.handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end('root:x:0:0:root:/root:/bin/bash\n');
    };
    expect(await refusal(generate({ endpoint: `${api.origin}/gen` }, req))).toContain('not a video');
    api.handler = (_q, res) => json(res, { video_base64: Buffer.from('just some text').toString('base64') });
    expect(await refusal(generate({ endpoint: `${api.origin}/gen` }, req))).toContain('not a video');
    api.handler = (_q, res) => json(res, { pad: 'x'.repeat(300_000) });
    expect(await refusal(generate({ endpoint: `${api.origin}/gen`, max_json_mb: 0.1 }, req))).toContain(
      'max_json_mb',
    );
    expect(await keptFor(req)).toEqual([]);
  });

  it('rejects allowed_origins entries that are not origins', () => {
    expect(() =>
      httpParamsSchema.parse({ endpoint: api.origin, allowed_origins: ['https://cdn.example.com/path'] }),
    ).toThrow('an origin');
  });
});
