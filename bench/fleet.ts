/**
 * The fleet with the built CLI (`npm run build` first) on real services, started as the tests start them
 * (test/support/services.ts: a throwaway Postgres cluster and redis-server on free ports; fauxqs from
 * test/support/s3.ts; `temporalci serve` and `temporalci worker` processes from test/support/fleet.ts):
 * - the same 16-sample sleep-bound mock suite (`sleep_sec: 1`) through 4 workers vs 1 worker, one run;
 * - coordinator overhead per sample: claim → complete from the coordinator's own `fleet_events`
 *   timestamps (one clock: Postgres's), minus the worker's own time for the job (`fleet_results.gpu_s`);
 * - the in-process fleet simulator with 200 simulated workers (bench/fleet-sim.ts).
 * Every process is stopped by its pid and every temp folder removed, also when a step fails.
 *
 *   npm run bench -- fleet
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CLI, runCli } from '../test/support/cli.js';
import { exited, TestFleet } from '../test/support/fleet.js';
import { mockSuite } from '../test/support/mock-suite.js';
import { startLocalS3 } from '../test/support/s3.js';
import { startServices } from '../test/support/services.js';
import { benchFleetSim } from './fleet-sim.js';
import type { BenchResult } from './types.js';

/** The e2e tests' mock suite with a plain gate (all 16 samples always run) and a 1 s model. */
function suite(seeds: number[]): string {
  return mockSuite({ mockParams: '{ sleep_sec: 1 }', seeds, gate: 'threshold', suiteName: 'fleetbench' });
}

interface RunFigures {
  /** Submitted → last result recorded, by the coordinator's clock (seconds). */
  dispatchS: number;
  /** `temporalci run --coordinator-url` from spawn to exit, as a CI job waits for it (seconds). */
  cliS: number;
  /** Per recorded sample: claimed → completed minus the worker's own time (ms). */
  overheadMs: number[];
  /** Per recorded sample: the worker's own time (ms). */
  workerMs: number[];
  /** Per recorded sample: the sample's generate stage (the model: 1 s sleep, render, encode) (ms). */
  generateMs: number[];
  /** Per worker, between its consecutive claims, minus the worker's own time for the first (ms). */
  cycleMs: number[];
  workers: Set<string>;
}

interface EventRow {
  run_key: string;
  kind: string;
  detail: { sample?: string; attempt?: number; worker?: string; as?: string };
  ms: number;
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error('no values to take the median of');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The figures of one run, from its rows in fleet_events and fleet_results. */
async function figuresOf(db: pg.Client, runId: string, cliS: number): Promise<RunFigures> {
  const like = `%/${runId}`;
  const events = (
    await db.query<EventRow>(
      `select run_key, kind, detail, extract(epoch from at)::float8 * 1000 as ms
         from fleet_events where run_key like $1 order by id`,
      [like],
    )
  ).rows;
  const results = (
    await db.query<{ sample_id: string; attempt: number; gpu_s: number; generate: number }>(
      `select sample_id, attempt, gpu_s, (record->'timings'->>'generate')::float8 as generate from fleet_results where run_key like $1 and used`,
      [like],
    )
  ).rows;
  const submitted = events.find((e) => e.kind === 'submitted');
  if (submitted === undefined) throw new Error(`run ${runId}: no submitted event`);
  const at = (kind: string, sample: string, attempt: number) =>
    events.find((e) => e.kind === kind && e.detail.sample === sample && e.detail.attempt === attempt)?.ms;
  const f: RunFigures = {
    dispatchS: 0,
    cliS,
    overheadMs: [],
    workerMs: [],
    generateMs: [],
    cycleMs: [],
    workers: new Set(),
  };
  let last = submitted.ms;
  for (const r of results) {
    const claimed = at('claimed', r.sample_id, r.attempt);
    const completed = at('completed', r.sample_id, r.attempt);
    if (claimed === undefined || completed === undefined)
      throw new Error(`run ${runId}, ${r.sample_id}#${r.attempt}: no claimed/completed event`);
    f.overheadMs.push(completed - claimed - r.gpu_s * 1000);
    f.workerMs.push(r.gpu_s * 1000);
    f.generateMs.push(r.generate * 1000);
    last = Math.max(last, completed);
  }
  f.dispatchS = (last - submitted.ms) / 1000;
  const gpu = new Map(results.map((r) => [`${r.sample_id}#${r.attempt}`, r.gpu_s * 1000]));
  const claims = events.filter((e) => e.kind === 'claimed');
  // fleet_results.worker is the token's name; the claim names the worker process (--name).
  for (const e of claims) if (e.detail.worker !== undefined) f.workers.add(e.detail.worker);
  for (const w of f.workers) {
    const mine = claims.filter((e) => e.detail.worker === w);
    for (let i = 0; i + 1 < mine.length; i++) {
      const own = gpu.get(`${mine[i]!.detail.sample}#${mine[i]!.detail.attempt}`);
      if (own !== undefined) f.cycleMs.push(mine[i + 1]!.ms - mine[i]!.ms - own);
    }
  }
  return f;
}

/** Everything started for the bench, torn down in reverse order by stop(), whatever was reached. */
class Stack {
  private readonly undo: (() => Promise<unknown>)[] = [];
  push(fn: () => Promise<unknown>): void {
    this.undo.push(fn);
  }
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.undo.reverse()) await fn().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw new AggregateError(errors, 'the fleet bench could not clean up');
  }
}

function overheadRows(label: string, r: RunFigures): BenchResult[] {
  const worker = median(r.workerMs);
  const overhead = median(r.overheadMs);
  return [
    {
      name: `${label}: generate stage per sample (median)`,
      value: median(r.generateMs),
      unit: 'ms',
      note: 'the model: sleep_sec 1, render, x264',
    },
    {
      name: `${label}: worker's own time per sample (median)`,
      value: worker,
      unit: 'ms',
      note: 'gpu_s: bundle, model, metrics, uploads',
    },
    {
      name: `${label}: coordinator overhead, claim → complete (median)`,
      value: overhead,
      unit: 'ms',
      reference: worker,
      ratio: overhead / worker,
      note: `goal <= 20 ms; max ${Math.max(...r.overheadMs).toFixed(1)} ms over ${r.overheadMs.length}`,
    },
    {
      name: `${label}: claim → next claim minus own time (median)`,
      value: median(r.cycleMs),
      unit: 'ms',
      reference: worker,
      ratio: median(r.cycleMs) / worker,
      note: 'adds the complete answer and the next claim',
    },
  ];
}

async function measureFleet(stack: Stack): Promise<BenchResult[] | string> {
  const services = await startServices();
  stack.push(() => services.stop());
  if (services.pgAdminUrl === undefined || services.redisUrl === undefined)
    return `fleet bench skipped: ${services.notes.map((n) => n.replace(/^note: the \w+ tests are skipped /, '')).join('; ')}`;
  const dbName = `tci_fleetbench_${process.pid}`;
  const admin = new pg.Client({ connectionString: services.pgAdminUrl });
  await admin.connect();
  stack.push(() => admin.end());
  await admin.query(`create database ${dbName}`);
  stack.push(() => admin.query(`drop database if exists ${dbName} with (force)`));
  const dbUrl = new URL(services.pgAdminUrl);
  dbUrl.pathname = `/${dbName}`;
  const s3 = await startLocalS3('tci-fleetbench');
  stack.push(() => s3.close());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tci-fleetbench-'));
  stack.push(() => rm(dir, { recursive: true, force: true }));

  const fleet = new TestFleet();
  stack.push(() => fleet.stop());
  await fleet.serve({ pgUrl: dbUrl.toString(), redisUrl: `${services.redisUrl}/1`, s3: s3.s3 });
  const submit = await fleet.token('submit', 'bench');
  const workerToken = await fleet.token('worker', 'bench-workers');
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  stack.push(() => db.end());

  const full = path.join(dir, 'suite.yaml');
  await writeFile(full, suite([0, 1, 2, 3]));
  const warm = path.join(dir, 'warm.yaml');
  await writeFile(warm, suite([9]));
  const run = async (file: string, name: string): Promise<{ runId: string; cliS: number }> => {
    const out = path.join(dir, `${name}.json`);
    const t0 = performance.now();
    const r = await runCli(
      [
        'run',
        file,
        '--coordinator-url',
        fleet.url,
        '--baseline-mode',
        'none',
        '--no-progress',
        '--output-json',
        out,
      ],
      { env: { ...fleet.env, TEMPORALCI_TOKEN: submit } },
    );
    const cliS = (performance.now() - t0) / 1000;
    if (r.code !== 0)
      throw new Error(`fleet run ${name} exited ${r.code}:\n${r.stderr}\n${fleet.logs.join('')}`);
    const payload = JSON.parse(await readFile(out, 'utf8')) as { runs: { run_id: string }[] };
    return { runId: payload.runs[0]!.run_id, cliS };
  };
  const withWorkers = async (n: number, fn: () => Promise<RunFigures>): Promise<RunFigures> => {
    const procs = Array.from({ length: n }, (_, i) =>
      fleet.worker(workerToken, `w${n}-${i}`, path.join(dir, `cache-${n}-${i}`)),
    );
    try {
      return await fn();
    } finally {
      // SIGTERM drains: nothing is in hand once the run has ended, so each exits at once.
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => exited(p)));
    }
  };

  // One unmeasured run first, so neither measured run pays for the coordinator's first submission.
  await withWorkers(1, async () => {
    const w = await run(warm, 'warm-up');
    return figuresOf(db, w.runId, w.cliS);
  });
  const one = await withWorkers(1, async () => {
    const r = await run(full, 'one-worker');
    return figuresOf(db, r.runId, r.cliS);
  });
  const four = await withWorkers(4, async () => {
    const r = await run(full, 'four-workers');
    return figuresOf(db, r.runId, r.cliS);
  });
  const load = os.loadavg()[0]!.toFixed(1);
  const cores = `${os.cpus().length} cores, load ${load}`;
  return [
    { name: '16 samples, 1 worker: submitted → last result', value: one.dispatchS, unit: 's', note: cores },
    {
      name: '16 samples, 4 workers: submitted → last result',
      value: four.dispatchS,
      unit: 's',
      reference: one.dispatchS,
      ratio: four.dispatchS / one.dispatchS,
      note: `speed-up ${(one.dispatchS / four.dispatchS).toFixed(2)}x (goal >= 3.6x); ${four.workers.size} workers took jobs`,
    },
    {
      name: '4 workers: busy workers on average',
      value: four.workerMs.reduce((a, b) => a + b, 0) / 1000 / four.dispatchS,
      unit: 'workers',
      reference: 4,
      ratio: four.workerMs.reduce((a, b) => a + b, 0) / 1000 / four.dispatchS / 4,
      note: "sum of the workers' own time / submitted → last result",
    },
    { name: '16 samples, 1 worker: `temporalci run` wall', value: one.cliS, unit: 's' },
    {
      name: '16 samples, 4 workers: `temporalci run` wall',
      value: four.cliS,
      unit: 's',
      reference: one.cliS,
      ratio: four.cliS / one.cliS,
      note: `speed-up ${(one.cliS / four.cliS).toFixed(2)}x`,
    },
    ...overheadRows('1 worker', one),
    ...overheadRows('4 workers', four),
  ];
}

export async function benchFleet(): Promise<BenchResult[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const stack = new Stack();
  let rows: BenchResult[] | string;
  try {
    rows = await measureFleet(stack);
  } finally {
    await stack.stop();
  }
  if (typeof rows === 'string') {
    console.log(rows);
    return benchFleetSim();
  }
  return [...rows, ...benchFleetSim()];
}
