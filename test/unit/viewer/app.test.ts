import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/store/local.js';
import { createViewerApp } from '../../../src/viewer/app.js';
import { localCatalog } from '../../../src/viewer/catalog.js';
import { MODEL, record, runId } from '../store/fixtures.js';

const BASE = runId(1);
const CAND = runId(2);
const runUrl = (id: string) => `/api/runs/p/s/m/${id}`;

let dir: string;
let root: string;
let app: ReturnType<typeof createViewerApp>;
const warnings: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-viewer-app-'));
  await fs.mkdir(path.join(dir, 'artifacts'));
  root = await fs.realpath(path.join(dir, 'artifacts'));
  const store = new LocalStore(root, { warn: (m) => warnings.push(m) });
  const gates = [
    {
      index: 0,
      metric: 'm.score',
      op: '>=' as const,
      value: 0.5,
      method: 'threshold' as const,
      aggregate: 'mean' as const,
      actual: 0.5,
      sample_count: 3,
      passed: false,
      reason: 'mean 0.5 < 0.5',
    },
  ];
  await store.commitRun(record(BASE, 'PASS', [0.9, 0.9, 0.9]));
  const cand = record(CAND, 'FAIL', [0.9, 0.2, 0.6], MODEL, {
    gates,
    baseline: { mode: 'latest_pass', run_id: BASE },
  });
  cand.samples[0]!.prompt = '<img src=x onerror=alert(1)>';
  await store.commitRun(cand);
  const videos = path.join(root, 'p', 's', 'm', CAND, 'videos');
  await fs.mkdir(videos, { recursive: true });
  await fs.writeFile(path.join(videos, 's1.mp4'), Buffer.from('0123456789'));
  await fs.writeFile(path.join(dir, 'outside.mp4'), 'secret');
  await fs.symlink(path.join(dir, 'outside.mp4'), path.join(videos, 's2.mp4'));
  const assets = path.join(dir, 'assets');
  await fs.mkdir(assets);
  await fs.writeFile(path.join(assets, 'index.html'), '<!doctype html><title>v</title>');
  app = createViewerApp({
    store,
    artifacts: store,
    catalog: localCatalog(root),
    artifactsRoot: root,
    assetsDir: assets,
    warn: (m) => warnings.push(m),
    hosts: ['127.0.0.1', 'localhost'],
  });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.request(`http://127.0.0.1${url}`, { headers: { host: '127.0.0.1:8430', ...headers } });

describe('viewer API', () => {
  it('lists suites and models with the latest status and the last runs', async () => {
    const r = await get('/api/suites');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { suites: { project: string; suite: string; models: unknown[] }[] };
    expect(body.suites).toEqual([
      {
        project: 'p',
        suite: 's',
        models: [
          expect.objectContaining({
            model: 'm',
            latest: expect.objectContaining({ run_id: CAND, status: 'FAIL' }),
            run_count: 2,
          }),
        ],
      },
    ]);
  });

  it('gives a run worst sample first, with deltas against its baseline', async () => {
    const r = await get(runUrl(CAND));
    expect(r.status).toBe(200);
    const v = (await r.json()) as {
      worst: { sample_id: string; delta: number; gate: string }[];
      samples: { sample_id: string; status: string; deltas: Record<string, number> }[];
      baseline: { found: boolean };
    };
    expect(v.baseline.found).toBe(true);
    // s1 fails the gate; s2 passes it but dropped against the baseline; s0 did not change.
    expect(v.worst.map((w) => w.sample_id)).toEqual(['s1', 's2']);
    expect(v.worst[0]!.gate).toBe('m.score >= 0.5');
    expect(v.worst[0]!.delta).toBeCloseTo(-0.7);
    expect(v.samples.map((s) => s.sample_id)).toEqual(['s1', 's2', 's0']);
    expect(v.samples.map((s) => s.status)).toEqual(['FAIL', 'PASS', 'PASS']);
    expect(v.samples[1]!.deltas['m.score']).toBeCloseTo(-0.3);
  });

  it('gives one sample with both video URLs and its frame rate', async () => {
    const baseVideo = path.join(root, 'p', 's', 'm', BASE, 'videos', 's1.mp4');
    await fs.mkdir(path.dirname(baseVideo), { recursive: true });
    await fs.writeFile(baseVideo, Buffer.from('base'));
    const r = await get(`${runUrl(CAND)}/samples/s1`);
    expect(r.status).toBe(200);
    const v = (await r.json()) as {
      sample: { video_url: string };
      baseline: { video_url: string };
      fps: number;
    };
    expect(v.sample.video_url).toBe(`/files/p/s/m/${CAND}/videos/s1.mp4`);
    expect(v.baseline.video_url).toBe(`/files/p/s/m/${BASE}/videos/s1.mp4`);
    expect(v.fps).toBe(8);
    expect((await get(`${runUrl(CAND)}/samples/nope`)).status).toBe(404);
    // The baseline's file deleted: no URL to a 404, and the reason instead.
    await fs.rm(baseVideo);
    const gone = (await (await get(`${runUrl(CAND)}/samples/s1`)).json()) as {
      baseline: { video_url: string | null; video_missing: string };
    };
    expect(gone.baseline.video_url).toBeNull();
    expect(gone.baseline.video_missing).toBe(`the video of run ${BASE} is gone from the artifacts folder`);
  });

  it('keeps hostile prompts as data (the page renders them as text)', async () => {
    const v = (await (await get(runUrl(CAND))).json()) as { samples: { prompt: string }[] };
    expect(v.samples.map((s) => s.prompt)).toContain('<img src=x onerror=alert(1)>');
  });

  it('answers a missing run 404 and a corrupt run.json 422, with code and hint', async () => {
    const missing = await get(runUrl(runId(9)));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('RUN_NOT_FOUND');
    const bad = runId(3);
    await fs.mkdir(path.join(root, 'p', 's', 'm', bad));
    await fs.writeFile(path.join(root, 'p', 's', 'm', bad, 'run.json'), '{"schema_version": 1, "run_id": ');
    const corrupt = await get(runUrl(bad));
    expect(corrupt.status).toBe(422);
    const e = (await corrupt.json()) as { error: { code: string; message: string; hint: string } };
    expect(e.error.code).toBe('STORE_CORRUPT');
    expect(e.error.hint).toBeTruthy();
    expect((await get('/api/runs/p/s/m/..')).status).toBe(404);
    expect((await get('/api/runs/p/s/%2e%2e/x')).status).toBe(404);
  });
});

describe('viewer files', () => {
  const video = `/files/p/s/m/${CAND}/videos/s1.mp4`;

  it('serves a video whole, with Accept-Ranges', async () => {
    const r = await get(video);
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect(await r.text()).toBe('0123456789');
  });

  it('serves a byte range as 206 with Content-Range, and 416 past the end', async () => {
    const r = await get(video, { range: 'bytes=2-4' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(r.headers.get('content-length')).toBe('3');
    expect(await r.text()).toBe('234');
    const past = await get(video, { range: 'bytes=10-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */10');
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await app.request(`http://127.0.0.1${video}`, {
      method: 'HEAD',
      headers: { host: '127.0.0.1' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('10');
    expect(await r.text()).toBe('');
  });

  it('answers 404 for "..", a symlink out of the folder, a deleted video and a record file', async () => {
    for (const url of [
      `/files/p/s/m/${CAND}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
      `/files/p/s/m/${CAND}/..%2f..%2f..%2foutside.mp4`,
      `/files/p/s/m/${CAND}/videos/s2.mp4`,
      `/files/p/s/m/${CAND}/videos/s0.mp4`,
      `/files/p/s/m/${CAND}/run.json`,
    ]) {
      expect((await get(url)).status, url).toBe(404);
    }
  });
});

describe('viewer safety', () => {
  it('is read-only and pins the page to its own origin', async () => {
    const post = await app.request('http://127.0.0.1/api/suites', {
      method: 'POST',
      headers: { host: '127.0.0.1' },
    });
    expect(post.status).toBe(405);
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses a Host it was not started under (DNS rebinding)', async () => {
    expect((await get('/api/suites', { host: 'evil.example:8430' })).status).toBe(421);
  });

  it('answers an unknown asset or route with 404', async () => {
    expect((await get('/app/..%2f..%2fpackage.json')).status).toBe(404);
    expect((await get('/app/nope.js')).status).toBe(404);
    expect((await get('/nowhere')).status).toBe(404);
  });
});
