/**
 * `temporalci run SUITE --coordinator-url URL`: bundle the suite and the files it references, upload the
 * bundle (content-addressed: skipped server-side when the coordinator has it), start the run and poll it
 * until every model run is over. The token only ever goes into the Authorization header.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { TemporalCIError } from '../../errors.js';
import { makeScratchDir, removeDir } from '../../platform/fs.js';
import { createBundle } from '../../suite/bundle/pack.js';
import type { LoadedSuite } from '../../suite/types.js';
import type { RunView, SubmitRunBody } from './types.js';

export interface RemoteRun {
  url: string;
  token: string;
  baselineMode: string;
  options: SubmitRunBody['options'];
  signal: AbortSignal;
  /** Told each time a model run evaluates a wave, for progress output. */
  onProgress?: (view: RunView) => void;
  pollMs?: number;
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text();
  let message = text.slice(0, 500);
  let hint = 'see the coordinator log';
  try {
    const j = JSON.parse(text) as { error?: { message?: string; hint?: string | null } };
    message = j.error?.message ?? message;
    hint = j.error?.hint ?? hint;
  } catch {
    // Not JSON (a proxy's error page): its text is the description.
  }
  const code = res.status === 400 ? 'USAGE' : 'RUN_FAILED';
  throw new TemporalCIError(code, `the coordinator could not ${what}: HTTP ${res.status}: ${message}`, {
    hint: res.status === 401 || res.status === 403 ? 'check --token: it must be a submit token' : hint,
  });
}

/** How long polling rides out a coordinator that does not answer (a restart, a rolling deploy). */
const OUTAGE_LIMIT_MS = 120_000;

/**
 * One request that rides out a coordinator that is down or restarting (no connection, a proxy's
 * 502/503/504, or — for a submission — 409 SUBMISSION_IN_PROGRESS): asked again with backoff for up to two
 * minutes. The run lives on in Postgres and the next process takes it over
 * (src/fleet/coordinator/recover.ts), so a restart must not fail the CI job; a submission carries an
 * Idempotency-Key, so asking again never starts a second run.
 */
async function throughOutages(send: () => Promise<Response>, r: RemoteRun): Promise<Response> {
  const since = performance.now();
  let wait = 250;
  for (;;) {
    let why: string;
    try {
      const res = await send();
      if (!(await isTransient(res))) return res;
      why = `HTTP ${res.status}`;
      await res.body?.cancel().catch(() => undefined);
    } catch (e) {
      if (r.signal.aborted) throw e;
      why = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
    }
    if (performance.now() - since > OUTAGE_LIMIT_MS) {
      throw new TemporalCIError('RUN_FAILED', `the coordinator has not answered for two minutes (${why})`, {
        hint: 'is `temporalci serve` up? the run goes on there once it is back; see the coordinator log',
      });
    }
    await delay(wait, undefined, { signal: r.signal });
    wait = Math.min(5000, wait * 2);
  }
}

/** A 502/503/504, or a 409 saying the same submission is still starting. */
async function isTransient(res: Response): Promise<boolean> {
  if (res.status === 502 || res.status === 503 || res.status === 504) return true;
  if (res.status !== 409) return false;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: string } } | null;
  return body?.error?.code === 'SUBMISSION_IN_PROGRESS';
}

export async function runOnCoordinator(suite: LoadedSuite, r: RemoteRun): Promise<RunView> {
  const base = r.url.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${r.token}` };
  const dir = await makeScratchDir('tci-submit-');
  let sha256: string;
  try {
    const bundle = await createBundle(suite, dir);
    sha256 = bundle.sha256;
    const body = await readFile(bundle.file);
    await expectOk(
      await fetch(`${base}/v1/bundles/${sha256}`, { method: 'PUT', headers: auth, body, signal: r.signal }),
      'store the suite bundle',
    );
  } finally {
    await removeDir(dir);
  }
  const submit: SubmitRunBody = { bundle: sha256, baseline_mode: r.baselineMode, options: r.options };
  // One key per submission: a retry after a lost answer gets the run this request started.
  const key = randomUUID();
  const started = await expectOk(
    await throughOutages(
      () =>
        fetch(`${base}/v1/runs`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(submit),
          signal: r.signal,
        }),
      r,
    ),
    'start the run',
  );
  let view = (await started.json()) as RunView;
  let progress = '';
  while (!view.done) {
    await delay(r.pollMs ?? 1000, undefined, { signal: r.signal });
    const res = await expectOk(
      await throughOutages(() => fetch(`${base}/v1/runs/${view.id}`, { headers: auth, signal: r.signal }), r),
      'report the run',
    );
    view = (await res.json()) as RunView;
    const now = view.models.map((m) => `${m.waves.evaluated}/${m.waves.total}`).join(',');
    if (now !== progress) r.onProgress?.(view);
    progress = now;
  }
  return view;
}
