/**
 * `temporalci view`: a read-only Hono app over the RunStore and ArtifactStore ports. JSON under /api/, the
 * runs' videos under /files/ (with Range requests, so the players can seek), and the single-page app's
 * static files. Only GET and HEAD are answered. A missing or corrupt run is a 404 or 422 with the error's
 * code, message and hint; nothing a URL says can reach a file outside the artifacts folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Context, Hono } from 'hono';
import { describeError, isTemporalCIError } from '../errors.js';
import { loadHistory } from '../report/history.js';
import { type SummaryModelInput, summarizeSuite } from '../report/suite-summary.js';
import type { IndexEntry } from '../schema/files.js';
import type { RunRecord } from '../schema/run.js';
import type { ArtifactStore, RunKey, RunStore, Warn } from '../store/types.js';
import type { Catalog } from './catalog.js';
import { localArtifact, parseArtifactPath } from './files.js';
import { type FrameSeries, frameSeries } from './frame-series.js';
import { runView, sampleView } from './run-view.js';
import { serveLocalFile } from './serve-file.js';
import { StampedCache } from './stamped-cache.js';
import { trendView } from './trend-view.js';

export interface ViewerPorts {
  store: Pick<RunStore, 'listModels' | 'index' | 'readRun'>;
  artifacts: Pick<ArtifactStore, 'localPath'>;
  catalog: Catalog;
  /** Real path of the artifacts folder: every file served must resolve inside it. */
  artifactsRoot: string;
  /** Folder of the single-page app (index.html, *.js, *.css). */
  assetsDir: string;
  warn: Warn;
  /**
   * Host names the Host header may carry (DNS rebinding: a hostile page must not reach a localhost viewer
   * under its own name). Undefined: any (the viewer was bound to a public address on purpose).
   */
  hosts?: readonly string[];
}

/** Runs in each model's strip on the home page. */
const STRIP_RUNS = 20;

/** Per-frame curves kept in memory, per (run, sample, baseline run): a few dozen sample pages' worth. */
const FRAME_CACHE_ENTRIES = 32;

const STATUS_OF: Partial<Record<string, 404 | 422>> = {
  RUN_NOT_FOUND: 404,
  PATH_UNSAFE: 404,
  STORE_CORRUPT: 422,
};

const ASSET_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page may load nothing but this server's own files: no CDN, no request leaves the machine. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const notFound = (c: Context, message: string) =>
  c.json({ error: { code: 'NOT_FOUND', message, hint: 'start from the home page' } }, 404);

/** `127.0.0.1:8430` → `127.0.0.1`, `[::1]:80` → `[::1]`. */
function hostnameOf(host: string | undefined): string {
  if (host === undefined) return '';
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host.trim().toLowerCase());
  return m?.[1] ?? '';
}

export function createViewerApp(ports: ViewerPorts): Hono {
  const app = new Hono();
  const frameCache = new StampedCache<FrameSeries>(FRAME_CACHE_ENTRIES);

  app.onError((e, c) => {
    if (isTemporalCIError(e)) {
      const status = STATUS_OF[e.code];
      if (status !== undefined)
        return c.json({ error: { code: e.code, message: e.message, hint: e.hint ?? null } }, status);
    }
    ports.warn(`viewer: error on ${c.req.method} ${c.req.path}: ${describeError(e)}`);
    return c.json(
      { error: { code: 'INTERNAL', message: 'internal error; see the viewer log', hint: null } },
      500,
    );
  });

  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.json({ error: { code: 'READ_ONLY', message: 'the viewer is read-only', hint: null } }, 405);
    }
    if (ports.hosts !== undefined && !ports.hosts.includes(hostnameOf(c.req.header('host')))) {
      return c.json({ error: { code: 'HOST_REFUSED', message: 'unknown Host header', hint: null } }, 421);
    }
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });

  const readRun = (key: RunKey) => ports.store.readRun(key);

  /** The run's baseline from the same model, or null (none recorded, or it is gone or unreadable). */
  const readBaseline = async (rec: RunRecord): Promise<RunRecord | null> => {
    const id = rec.baseline.run_id;
    if (id === null || id === rec.run_id) return null;
    try {
      return await readRun({ project: rec.project, suite: rec.suite_name, model: rec.model_name, runId: id });
    } catch (e) {
      ports.warn(`baseline ${id} of run ${rec.run_id}: ${describeError(e)}`);
      return null;
    }
  };

  /**
   * What a run is compared with: `?vs=<run id>` (any run of the same model: the compare page), else its own
   * baseline. A `vs` run that does not exist is a 404, not a silent fall-back to the baseline.
   */
  const readAgainst = async (c: Context, rec: RunRecord) => {
    const vs = c.req.query('vs');
    if (vs === undefined) return { other: await readBaseline(rec), against: false };
    const other = await readRun({
      project: rec.project,
      suite: rec.suite_name,
      model: rec.model_name,
      runId: vs,
    });
    return { other, against: true };
  };

  const runKey = (c: Context): RunKey => ({
    project: c.req.param('project') ?? '',
    suite: c.req.param('suite') ?? '',
    model: c.req.param('model') ?? '',
    runId: c.req.param('run') ?? '',
  });

  /**
   * The home page's gated metrics of a run: each gate's measured value and verdict, with the change vs the
   * baseline the run's regression check recorded (null without one). Empty when the run cannot be read.
   */
  const gatedSummary = async (key: RunKey) => {
    let rec: RunRecord;
    try {
      rec = await readRun(key);
    } catch (e) {
      ports.warn(`run ${key.runId} of ${key.model}: ${describeError(e)}`);
      return [];
    }
    return rec.gates.map((g) => {
      const r = rec.regressions.find((x) => x.gate_index === g.index);
      return {
        metric: g.metric,
        actual: g.actual,
        passed: g.passed,
        baseline: r?.baseline ?? null,
        delta: r?.delta ?? null,
        regressed: r?.regressed ?? null,
      };
    });
  };

  app.get('/api/suites', async (c) => {
    const suites = [];
    for (const s of await ports.catalog.suites()) {
      const models = [];
      for (const key of await ports.store.listModels(s.project, s.suite)) {
        let entries: IndexEntry[] = [];
        try {
          entries = await ports.store.index(key);
        } catch (e) {
          ports.warn(`index of ${key.model}: ${describeError(e)}`);
        }
        const latest = entries[entries.length - 1] ?? null;
        models.push({
          model: key.model,
          latest,
          gated: latest === null ? [] : await gatedSummary({ ...key, runId: latest.run_id }),
          runs: entries.slice(-STRIP_RUNS),
          run_count: entries.length,
        });
      }
      suites.push({ ...s, models });
    }
    return c.json({ suites });
  });

  app.get('/api/runs/:project/:suite/:model', async (c) => {
    const { runId: _r, ...model } = runKey(c);
    return c.json({ model, runs: await ports.store.index(model) });
  });

  app.get('/api/trend/:project/:suite/:model', async (c) => {
    const { runId: _r, ...model } = runKey(c);
    if ((await ports.store.index(model)).length === 0) {
      return notFound(c, `model ${model.model} of ${model.project}/${model.suite} has no runs`);
    }
    return c.json(trendView(model, await loadHistory(ports.store, model, ports.warn)));
  });

  // Models × gated metrics of a suite: each model's latest run, as `temporalci summary` prints it.
  app.get('/api/matrix/:project/:suite', async (c) => {
    const project = c.req.param('project');
    const suite = c.req.param('suite');
    const models: SummaryModelInput[] = [];
    for (const key of await ports.store.listModels(project, suite)) {
      const latest = (await ports.store.index(key)).at(-1) ?? null;
      let gates: SummaryModelInput['gates'] = null;
      if (latest !== null) {
        try {
          gates = (await readRun({ ...key, runId: latest.run_id })).gates;
        } catch (e) {
          ports.warn(`run ${latest.run_id} of ${key.model}: ${describeError(e)}`);
        }
      }
      models.push({ name: key.model, latest, gates });
    }
    if (models.length === 0) return notFound(c, `no models in ${project}/${suite}`);
    return c.json({ project, suite, ...summarizeSuite(models) });
  });

  app.get('/api/runs/:project/:suite/:model/:run', async (c) => {
    const rec = await readRun(runKey(c));
    const { other, against } = await readAgainst(c, rec);
    return c.json(runView(rec, other, against));
  });

  app.get('/api/runs/:project/:suite/:model/:run/samples/:sample', async (c) => {
    const rec = await readRun(runKey(c));
    const { other: baseline, against } = await readAgainst(c, rec);
    const id = c.req.param('sample');
    const view = sampleView(runView(rec, baseline, against), rec, baseline, id);
    if (view === null) return notFound(c, `run ${rec.run_id} has no sample ${id}`);
    // A video the record names but the folder no longer holds: say so instead of handing the player a 404.
    if (view.sample.video_url !== null && (await videoFile(rec, id)) === null) {
      view.sample.video_url = null;
      view.video_missing = `the video of run ${rec.run_id} is gone from the artifacts folder`;
    }
    if (view.baseline?.video_url && baseline !== null && (await videoFile(baseline, id)) === null) {
      view.baseline.video_url = null;
      view.baseline.video_missing = `the video of run ${baseline.run_id} is gone from the artifacts folder`;
    }
    return c.json(view);
  });

  /** The local file of a sample's kept video, checked as /files/ checks its URLs; null when there is none. */
  const videoFile = async (rec: RunRecord, sampleId: string): Promise<string | null> => {
    const s = rec.samples.find((x) => x.sample_id === sampleId);
    if (!s?.video_path) return null;
    const req = parseArtifactPath(
      [rec.project, rec.suite_name, rec.model_name, rec.run_id, ...s.video_path.split('/')]
        .map(encodeURIComponent)
        .join('/'),
    );
    const file = req === null ? null : await localArtifact(ports.artifacts, ports.artifactsRoot, req);
    return file?.path ?? null;
  };

  app.get('/api/runs/:project/:suite/:model/:run/samples/:sample/frames', async (c) => {
    const rec = await readRun(runKey(c));
    const id = c.req.param('sample');
    if (!rec.samples.some((s) => s.sample_id === id))
      return notFound(c, `run ${rec.run_id} has no sample ${id}`);
    const cand = await videoFile(rec, id);
    if (cand === null) return notFound(c, `run ${rec.run_id} kept no video of sample ${id}`);
    const { other: baseline } = await readAgainst(c, rec);
    const base = baseline === null ? null : await videoFile(baseline, id);
    const key = JSON.stringify([
      rec.project,
      rec.suite_name,
      rec.model_name,
      rec.run_id,
      id,
      baseline?.run_id ?? null,
    ]);
    // Decoding both videos takes seconds; reopening a sample page reuses the curves while the files are unchanged.
    const series = await frameCache.get(key, [cand, base], () => frameSeries(cand, base, c.req.raw.signal));
    return c.json(series);
  });

  app.get('/files/*', async (c) => {
    // The raw path, not Hono's decoded one: each segment is decoded and checked once, in parseArtifactPath.
    const raw = new URL(c.req.url).pathname.slice('/files/'.length);
    const req = parseArtifactPath(raw);
    const file = req === null ? null : await localArtifact(ports.artifacts, ports.artifactsRoot, req);
    if (req === null || file === null) return notFound(c, 'no such file in the artifacts folder');
    return serveLocalFile(c, file, req.contentType);
  });

  const asset = async (c: Context, name: string) => {
    const type = ASSET_TYPES[path.extname(name)];
    if (type === undefined || !/^[a-z][a-z0-9-]*\.[a-z]+$/.test(name)) return notFound(c, 'no such page');
    const text = await fs.readFile(path.join(ports.assetsDir, name), 'utf8').catch(() => null);
    if (text === null) return notFound(c, 'no such page');
    return c.body(text, 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  };
  app.get('/', (c) => asset(c, 'index.html'));
  app.get('/app/:name', (c) => asset(c, c.req.param('name')));

  app.notFound((c) => notFound(c, `nothing at ${c.req.path}`));
  return app;
}
