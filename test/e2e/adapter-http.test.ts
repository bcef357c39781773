import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpAdapter, httpParamsSchema } from '../../src/adapters/http.js';
import type { GenerationRequest, GenerationResult } from '../../src/adapters/types.js';
import { TemporalCIError } from '../../src/errors.js';
import { probeVideo } from '../../src/video/probe.js';
import { generationRequest } from '../support/requests.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let root: string;
let video: Buffer;
let server: Server;
let base: string;
let handler: Handler;
let hits: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[];
let n = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-http-'));
  const file = path.join(root, 'source.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=64x48:rate=8',
    '-frames:v',
    '5',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  video = readFileSync(file);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  hits = [];
});

function request(signal: AbortSignal = new AbortController().signal): GenerationRequest {
  return generationRequest(path.join(root, 'run'), `s${++n}`, {
    model: 'remote',
    prompt: 'a red fox',
    seed: 3,
    video: { num_frames: 5, fps: 8, width: 64, height: 48 },
    signal,
  });
}

function generate(params: Record<string, unknown>, req = request()): Promise<GenerationResult> {
  const adapter = httpAdapter.create(httpParamsSchema.parse({ retry_backoff_s: 0.01, ...params }), {
    modelName: 'remote',
    suiteDir: root,
  });
  return adapter.generate(req);
}

async function failure(p: Promise<unknown>): Promise<TemporalCIError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TemporalCIError);
  return e as TemporalCIError;
}

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function sendVideo(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'video/mp4' });
  res.end(video);
}

async function expectVideo(result: GenerationResult): Promise<void> {
  expect(await fs.readFile(result.videoPath)).toEqual(video);
  const info = await probeVideo(result.videoPath);
  expect(info.frameCount).toBe(5);
}

describe('http adapter', () => {
  it('POSTs the sample and writes video bytes; only request_params are sent', async () => {
    handler = (_req, _body, res) => sendVideo(res);
    const req = request();
    const result = await generate({ endpoint: `${base}/gen`, request_params: { steps: 4 } }, req);
    await expectVideo(result);
    expect(result.videoPath).toBe(req.outputPath);
    expect(hits).toHaveLength(1);
    expect(JSON.parse(hits[0]?.body ?? '')).toEqual({
      model: 'remote',
      prompt: 'a red fox',
      seed: 3,
      video: { num_frames: 5, fps: 8, width: 64, height: 48 },
      params: { steps: 4 },
    });
    expect(result.metadata).toMatchObject({ adapter: 'http', endpoint: `${base}/gen`, http_requests: 1 });
  });

  it('accepts video_base64 and video_url (downloaded) JSON replies with server metadata', async () => {
    handler = (_req, _body, res) =>
      json(res, 200, { video_base64: video.toString('base64'), metadata: { gpu: 'a' } });
    const r1 = await generate({ endpoint: `${base}/gen` });
    await expectVideo(r1);
    expect(r1.metadata?.server).toEqual({ gpu: 'a' });

    hits = [];
    handler = (req, _body, res) => {
      if (req.url === '/files/v.mp4') sendVideo(res);
      else json(res, 200, { video_url: '/files/v.mp4' });
    };
    const r2 = await generate({ endpoint: `${base}/gen` });
    await expectVideo(r2);
    expect(hits.map((h) => `${h.method} ${h.url}`)).toEqual(['POST /gen', 'GET /files/v.mp4']);
  });

  it('fails when a JSON reply has no video instead of inventing one', async () => {
    handler = (_req, _body, res) => json(res, 200, { ok: true });
    const e = await failure(generate({ endpoint: `${base}/gen` }));
    expect(e.code).toBe('ADAPTER_FAILED');
    expect(e.message).toContain('returned no video');
    expect(e.message).toContain(`${base}/gen`);
  });

  it('polls an async job by poll_url until done, and reports a failed job with its message', async () => {
    let polls = 0;
    handler = (req, _body, res) => {
      if (req.method === 'POST') return json(res, 202, { job_id: 'job 1' });
      polls++;
      if (polls < 3) return json(res, 200, { status: polls === 1 ? 'queued' : 'running' });
      json(res, 200, { status: 'succeeded', video_base64: video.toString('base64') });
    };
    const result = await generate({
      endpoint: `${base}/jobs`,
      mode: 'async',
      poll_url: `${base}/jobs/{job_id}`,
      poll_interval_s: 0.02,
    });
    await expectVideo(result);
    expect(hits.slice(1).every((h) => h.method === 'GET' && h.url === '/jobs/job%201')).toBe(true);
    expect(result.metadata?.job_id).toBe('job 1');

    handler = (req, _body, res) => {
      if (req.method === 'POST') return json(res, 202, { status_url: '/status/9' });
      json(res, 200, { status: 'failed', error: 'CUDA out of memory' });
    };
    const e = await failure(generate({ endpoint: `${base}/jobs`, mode: 'async', poll_interval_s: 0.02 }));
    expect(e.message).toContain('job failed: CUDA out of memory');
    expect(e.message).toContain('/status/9');
  });

  it('retries a 500 and then succeeds; honours Retry-After on 429', async () => {
    let calls = 0;
    handler = (_req, _body, res) => {
      calls++;
      if (calls === 1) return json(res, 500, { error: 'boom' });
      sendVideo(res);
    };
    const r1 = await generate({ endpoint: `${base}/gen` });
    await expectVideo(r1);
    expect(hits).toHaveLength(2);
    expect(r1.metadata?.http_requests).toBe(2);

    hits = [];
    calls = 0;
    handler = (_req, _body, res) => {
      calls++;
      if (calls === 1) return json(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
      sendVideo(res);
    };
    await expectVideo(await generate({ endpoint: `${base}/gen` }));
    expect(hits).toHaveLength(2);
  });

  it('does not retry a 400 and reports status and body snippet without the query string', async () => {
    handler = (_req, _body, res) => json(res, 400, { error: `bad prompt ${'x'.repeat(1000)}` });
    const e = await failure(generate({ endpoint: `${base}/gen?api_key=querysecret` }));
    expect(hits).toHaveLength(1);
    expect(e.message).toContain('HTTP 400');
    expect(e.message).toContain('bad prompt');
    expect(e.message).toContain(`${base}/gen`);
    expect(e.message).not.toContain('querysecret');
    expect(e.message.length).toBeLessThan(500);
    expect(e.logTail).toContain('400');
  });

  it('gives up after the retries on 5xx', async () => {
    handler = (_req, _body, res) => json(res, 503, { error: 'down' });
    const e = await failure(generate({ endpoint: `${base}/gen`, max_retries: 2 }));
    expect(hits).toHaveLength(3);
    expect(e.message).toContain('HTTP 503');
    expect(e.message).toContain('after 3 attempts');
  });

  it('times out a request that never answers (per-request timeout, retried)', async () => {
    handler = () => undefined; // holds the connection open
    const e = await failure(generate({ endpoint: `${base}/gen`, request_timeout_s: 0.2, max_retries: 1 }));
    expect(e.message).toContain('timed out after 0.2 s');
    expect(hits).toHaveLength(2);
  });

  it('aborts a body beyond max_response_mb and leaves no file behind', async () => {
    const big = Buffer.alloc(64 * 1024, 1);
    handler = (_req, _body, res) => {
      // Chunked, so the size is only known while reading.
      res.writeHead(200, { 'content-type': 'video/mp4', 'transfer-encoding': 'chunked' });
      res.write(big.subarray(0, 32 * 1024));
      res.end(big.subarray(32 * 1024));
    };
    const req = request();
    const e = await failure(generate({ endpoint: `${base}/gen`, max_response_mb: 0.01 }, req));
    expect(e.message).toContain('max_response_mb');
    const left = await fs.readdir(path.dirname(req.outputPath)).catch(() => []);
    expect(left.filter((f) => f.startsWith(req.sampleId))).toEqual([]);
  });

  it('follows a redirect to another origin only when allowlisted, and never with the header token', async () => {
    const other = createServer((req, res) => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', body: '', headers: req.headers });
      sendVideo(res);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    // 127.0.0.1 and localhost are different origins.
    const elsewhere = `http://localhost:${(other.address() as AddressInfo).port}/cdn/v.mp4`;
    try {
      handler = (_req, _body, res) => {
        res.writeHead(302, { location: elsewhere });
        res.end();
      };
      const headers = { 'X-Api-Key': 'literal-key' };
      const refused = await failure(generate({ endpoint: `${base}/gen`, headers }));
      expect(refused.message).toContain('allowed_origins');
      expect(hits.map((h) => `${h.method} ${h.url}`)).toEqual(['POST /gen']);
      hits = [];
      const allowed_origins = [new URL(elsewhere).origin];
      const result = await generate({ endpoint: `${base}/gen`, headers, allowed_origins });
      await expectVideo(result);
      expect(hits.map((h) => `${h.method} ${h.url}`)).toEqual(['POST /gen', 'GET /cdn/v.mp4']);
      expect(hits[0]?.headers['x-api-key']).toBe('literal-key');
      expect(hits[1]?.headers['x-api-key']).toBeUndefined();
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  it('rejects video_path unless allow_local_paths, then copies it only from local_path_dirs', async () => {
    const shared = path.join(root, 'shared');
    await fs.mkdir(shared, { recursive: true });
    const local = path.join(shared, 'local.mp4');
    await fs.writeFile(local, video);
    let named = local;
    handler = (_req, _body, res) => json(res, 200, { video_path: named });
    const e = await failure(generate({ endpoint: `${base}/gen` }));
    expect(e.message).toContain('allow_local_paths');
    expect(() => httpParamsSchema.parse({ endpoint: base, allow_local_paths: true })).toThrow(
      'local_path_dirs',
    );
    const params = { endpoint: `${base}/gen`, allow_local_paths: true, local_path_dirs: ['shared'] };
    await expectVideo(await generate(params));
    expect(await fs.readFile(local)).toEqual(video);
    // Outside the named folder: refused, even through a symlink inside it.
    const secret = path.join(root, 'secret.mp4');
    await fs.writeFile(secret, video);
    named = secret;
    expect((await failure(generate(params))).message).toContain('outside local_path_dirs');
    named = path.join(shared, 'link.mp4');
    await fs.symlink(secret, named);
    expect((await failure(generate(params))).message).toContain('outside local_path_dirs');
    // Inside, but not a video: refused by its first bytes, nothing kept.
    named = path.join(shared, 'notes.mp4');
    await fs.writeFile(named, 'root:x:0:0:root:/root:/bin/bash\n');
    const req = request();
    expect((await failure(generate(params, req))).message).toContain('not a video');
    const left = await fs.readdir(path.dirname(req.outputPath)).catch(() => []);
    expect(left.filter((f) => f.startsWith(req.sampleId))).toEqual([]);
  });

  it('stops polling when the sample signal aborts', async () => {
    handler = (req, _body, res) =>
      req.method === 'POST' ? json(res, 202, { status_url: '/s' }) : json(res, 200, { status: 'running' });
    const e = await failure(
      generate(
        { endpoint: `${base}/gen`, mode: 'async', poll_interval_s: 0.05 },
        request(AbortSignal.timeout(300)),
      ),
    );
    expect(e.code).toBe('ADAPTER_FAILED');
  });

  it('sends a header token from the environment and never shows it', async () => {
    const token = 'tok-SECRET-4f9a1c';
    process.env.TCI_HTTP_TEST_TOKEN = token;
    try {
      const headers = { Authorization: 'Bearer ${TCI_HTTP_TEST_TOKEN}' };
      let mode: 'ok' | 'echo' = 'ok';
      handler = (req, _body, res) => {
        if (req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { error: 'no token' });
        // A careless server echoes the credentials back, in errors and in metadata.
        if (mode === 'echo')
          return json(res, 403, { error: `token ${req.headers.authorization} is not allowed` });
        json(res, 200, {
          video_base64: video.toString('base64'),
          metadata: { auth: req.headers.authorization },
        });
      };
      const req = request();
      const result = await generate({ endpoint: `${base}/gen`, headers, request_params: { a: 1 } }, req);
      await expectVideo(result);
      expect(hits[0]?.body).not.toContain(token);
      expect(JSON.stringify(result)).not.toContain(token);
      expect(JSON.stringify(result.metadata)).toContain('[redacted]');

      mode = 'echo';
      const e = await failure(generate({ endpoint: `${base}/gen`, headers }, req));
      const thrown = JSON.stringify({
        message: e.message,
        hint: e.hint,
        tail: e.logTail,
        cause: String(e.cause),
      });
      expect(e.message).toContain('HTTP 403');
      expect(thrown).not.toContain(token);
      expect(await fs.readFile(path.join(req.workDir, 'adapter.log'), 'utf8')).not.toContain(token);
    } finally {
      delete process.env.TCI_HTTP_TEST_TOKEN;
    }
    const unset = { 'X-Key': '${TCI_HTTP_UNSET_VAR}' };
    const missing = await failure(generate({ endpoint: `${base}/gen`, headers: unset }));
    expect(missing.message).toContain('TCI_HTTP_UNSET_VAR');
  });
});
