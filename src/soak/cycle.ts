import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TemporalCIError } from '../errors.js';
import { type ChildGroup, spawnChild } from '../platform/process.js';
import { exitCodeOf, type RunRecord } from '../schema/run.js';
import { readRecordAt } from '../store/run-files.js';
import type { SoakJob } from './config.js';
import { identityOf, type ProcessIdentity } from './proc.js';
import { cycleProgress, type SuiteFolders } from './runs.js';
import { type CycleRecord, type CycleRun, files, type Outcome } from './state.js';

/**
 * One cycle: a child `temporalci run` in a process group of its own, so whatever a cycle leaks (memory,
 * CUDA contexts, a model's server) ends with it. A child that dies of a signal we did not send is continued
 * once: `run --resume` on the run folders it left, then the suite's models it never reached.
 */

export interface CycleContext {
  /** The built CLI entry (dist/cli/main.js) the children run. */
  cli: string;
  artifactsDir: string;
  stateDir: string;
  signal: AbortSignal;
  /** Told each child's identity as it starts (null when it ended), for status.json and telemetry. */
  onChild: (child: ProcessIdentity | null) => void;
}

interface Invocation {
  code: number | null;
  signal: NodeJS.Signals | null;
  runs: Array<{ run_dir: string } & RunRecord>;
}

/** Time a stopped child gets to finish its current write and exit 130 before SIGKILL. */
const KILL_GRACE_MS = 15_000;

async function invoke(
  ctx: CycleContext,
  args: string[],
  tag: string,
  extraEnv: Record<string, string> = {},
): Promise<Invocation> {
  const { cycleDir } = files(ctx.stateDir);
  await fs.mkdir(cycleDir, { recursive: true });
  const outJson = path.join(cycleDir, `${tag}.json`);
  const log = await fs.open(path.join(cycleDir, `${tag}.log`), 'a');
  let proc: ChildGroup;
  try {
    proc = spawnChild(process.execPath, [ctx.cli, ...args, '--no-progress', '--output-json', outJson], {
      stdout: log.fd,
      stderr: log.fd,
      signal: ctx.signal,
      killGraceMs: KILL_GRACE_MS,
      env: { CI: 'true', ...extraEnv },
    });
  } finally {
    await log.close();
  }
  const pid = proc.child.pid;
  ctx.onChild(pid === undefined ? null : await identityOf(pid));
  const exit = await proc.exited;
  // What the run started and left behind (a stray server of the model) goes with it.
  if (proc.aborted() || (await proc.leftovers())) await proc.kill();
  ctx.onChild(null);
  if (exit.error !== undefined) throw exit.error;
  const text = await fs.readFile(outJson, 'utf8').catch(() => null);
  const runs = text === null ? [] : ((JSON.parse(text) as { runs: Invocation['runs'] }).runs ?? []);
  return { code: exit.code, signal: exit.signal, runs };
}

/** Exit codes of the invocations → the cycle's outcome: interrupted, then error, then fail, else pass. */
function outcomeOf(codes: ReadonlyArray<number | null>): Outcome {
  if (codes.some((c) => c === null || c === 130)) return 'interrupted';
  if (codes.some((c) => c !== 0 && c !== 2)) return 'error';
  return codes.includes(2) ? 'fail' : 'pass';
}

function failuresByStage(runs: Invocation['runs']): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string) => {
    out[k] = (out[k] ?? 0) + 1;
  };
  for (const r of runs) {
    for (const s of r.samples ?? []) if (s.error) add(s.error.stage);
    if (r.status === 'FAIL') add('gate');
    if (r.status === 'ERROR') add('run');
  }
  return out;
}

/**
 * Carries on a cycle that was cut short (its supervisor or its child died): the runs that finished count as
 * they are, unfinished ones are resumed, and the models that never started run now. Empty when nothing of
 * the cycle got far enough to continue.
 */
async function continueCycle(
  job: SoakJob,
  folders: SuiteFolders,
  startedUtc: string,
  ctx: CycleContext,
  tag: string,
): Promise<Invocation[]> {
  const progress = await cycleProgress(folders, startedUtc);
  if (progress.finished.length + progress.resumable.length === 0) return [];
  const done: Invocation[] = [];
  for (const dir of progress.finished) {
    const record = await readRecordAt(dir);
    done.push({ code: exitCodeOf(record.status), signal: null, runs: [{ ...record, run_dir: dir }] });
  }
  for (const [i, dir] of progress.resumable.entries()) {
    if (ctx.signal.aborted) return done;
    done.push(await invoke(ctx, ['run', '--resume', dir], `${tag}-resume${i + 1}`));
  }
  if (progress.notStarted.length > 0 && !ctx.signal.aborted) {
    const only = progress.notStarted.flatMap((m) => ['--include-model', m]);
    done.push(await invoke(ctx, [...runArgs(job, ctx), ...only], `${tag}-rest`));
  }
  return done;
}

/** The child's `run` arguments: a local run into the artifacts folder, or a fleet run on the coordinator. */
function runArgs(job: SoakJob, ctx: CycleContext): string[] {
  if (job.fleet !== undefined) {
    return ['run', job.suite, '--coordinator-url', job.fleet.url, '--baseline-mode', job.baselineMode];
  }
  const args = ['run', job.suite, '--artifacts-dir', ctx.artifactsDir, '--baseline-mode', job.baselineMode];
  if (job.keepLast !== undefined) args.push('--prune-keep-last', String(job.keepLast));
  return args;
}

/**
 * The submit token reaches the child in its environment, as TEMPORALCI_TOKEN — never in argv (`ps` shows
 * it), never in status.json or the logs. Read at each cycle, so a rotated token is picked up.
 */
function fleetEnv(job: SoakJob): Record<string, string> {
  if (job.fleet === undefined) return {};
  const token = process.env[job.fleet.tokenEnv];
  if (!token) {
    throw new TemporalCIError(
      'USAGE',
      `job ${job.name}: the submit token's variable $${job.fleet.tokenEnv} is not set`,
      {
        hint: `export ${job.fleet.tokenEnv} before \`temporalci soak\``,
      },
    );
  }
  return { TEMPORALCI_TOKEN: token };
}

export interface CycleStart {
  cycle: number;
  startedUtc: string;
  /** Set when this cycle continues one a dead supervisor left: resume its runs instead of starting anew. */
  resume: boolean;
}

/** Runs one cycle to its end; null when the soak was stopped during it (it stays current, for resuming). */
export async function runCycle(
  job: SoakJob,
  folders: SuiteFolders,
  start: CycleStart,
  ctx: CycleContext,
): Promise<CycleRecord | null> {
  const t0 = performance.now();
  const tag = `${job.name}-${start.cycle}`;
  const invocations: Invocation[] = [];
  let resumed = false;
  // A fleet run leaves no local folder to continue: the coordinator keeps its samples.
  const local = job.fleet === undefined;
  const carried = start.resume && local ? await continueCycle(job, folders, start.startedUtc, ctx, tag) : [];
  if (carried.length > 0) {
    resumed = true;
    invocations.push(...carried);
  } else {
    const first = await invoke(ctx, runArgs(job, ctx), tag, fleetEnv(job));
    invocations.push(first);
    // Died of a signal nobody here sent (OOM killer, a crash): continue what it left, once.
    if (!ctx.signal.aborted && first.signal !== null && local) {
      const again = await continueCycle(job, folders, start.startedUtc, ctx, tag);
      resumed = again.length > 0;
      invocations.push(...again);
    }
  }
  if (ctx.signal.aborted) return null;
  const finals =
    resumed && invocations.length > 1 && invocations[0]!.signal !== null ? invocations.slice(1) : invocations;
  const outcome = outcomeOf(finals.map((i) => i.code));
  const runs = finals.flatMap((i) => i.runs);
  const cycleRuns: CycleRun[] = runs.map((r) => ({
    run_id: r.run_id,
    model: r.model_name,
    status: r.status,
    run_dir: r.run_dir,
  }));
  const asExpected = outcome === job.expect;
  return {
    job: job.name,
    suite: job.suite,
    cycle: start.cycle,
    started_utc: start.startedUtc,
    finished_utc: new Date().toISOString(),
    duration_s: Math.round(performance.now() - t0) / 1000,
    exit_code: finals.at(-1)?.code ?? null,
    outcome,
    expect: job.expect,
    as_expected: asExpected,
    detector_miss: job.expect === 'fail' && outcome === 'pass',
    resumed,
    runs: cycleRuns,
    failures_by_stage: failuresByStage(runs),
  };
}
