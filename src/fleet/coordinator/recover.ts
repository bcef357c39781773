/**
 * A restarted coordinator takes over the runs the previous one left running: nothing of them lives in
 * its memory that Postgres does not hold. Each submission's bundle is opened again and each unfinished
 * model run prepared again as a resumed run (the same run id, the baseline its first session chose,
 * the run lock — a Postgres advisory lock, freed when the dead process's connection went), and its
 * WaveLedger rebuilt from the stored facts. Jobs BullMQ still holds keep their ids; leases live on in
 * Postgres, so workers' heartbeats and completes carry on against the new process.
 */
import { describeError, TemporalCIError } from '../../errors.js';
import type { PreparedRun } from '../../runs/prepare.js';
import { startSequential } from '../../runs/sequential.js';
import type { RunState } from '../../schema/files.js';
import type { SampleRecord } from '../../schema/run.js';
import type { RunStore } from '../../store/types.js';
import type { ModelRunView, SubmitRunBody } from '../api/types.js';
import { WaveLedger } from '../waves/ledger.js';
import type { DispatchPorts, SubmissionState } from './ports.js';
import { openSubmission } from './submit.js';
import type { StoredFleetRun } from './tables.js';
import * as t from './tables.js';

/** What the dispatcher lends the take-over: where restored submissions and runs go. */
export interface TakeOverHost {
  adopt(id: string, abort: AbortController, scratch: string): SubmissionState;
  register(
    id: string,
    state: SubmissionState,
    bundle: string,
    prep: PreparedRun,
    ledger: WaveLedger,
    warnings: string[],
  ): Promise<void>;
  /** A model run of the submission that is over (before the restart, or unrecoverable now). */
  ended(state: SubmissionState, view: ModelRunView): void;
  /** Frees the submission's scratch folder once every run of it is over. */
  settle(id: string): Promise<void>;
}

/**
 * Takes over every run the previous process left running. A run that cannot be taken over is ended as an
 * error with the reason, never dropped silently; one another replica holds (its lock is taken) is left
 * to it.
 */
export async function takeOverRuns(ports: DispatchPorts, host: TakeOverHost): Promise<void> {
  for (const [id, stored] of bySubmission(await t.fleetRunsToRestore(ports.db))) {
    const unfinished = stored.filter((r) => r.state === 'running' || r.state === 'finishing');
    const abort = new AbortController();
    let sub: Awaited<ReturnType<typeof openSubmission>>;
    try {
      const states = new Map<string, RunState>();
      for (const r of unfinished) states.set(r.run.model, await ports.store.readState(r.run));
      sub = await openSubmission(stored[0]?.plan.body as SubmitRunBody, {
        ...ports,
        signal: abort.signal,
        takeOver: (model) => {
          const r = unfinished.find((u) => u.run.model === model);
          const st = states.get(model);
          return r === undefined || st === undefined ? null : { run: r.run, state: st };
        },
      });
    } catch (e) {
      if (e instanceof TemporalCIError && e.code === 'RUN_LOCKED') {
        ports.warn(`submission ${id}: ${e.message}; left to the coordinator that holds it`);
        continue;
      }
      for (const r of unfinished) await endUnrecoverable(ports, r, describeError(e));
      continue;
    }
    const state = host.adopt(id, abort, sub.scratch);
    for (const r of stored) {
      const model = sub.models.find((m) => m.prep.key.runId === r.run.runId);
      if (model === undefined) {
        host.ended(state, { ...endedView(r, ports.store.locate(r.run)), record: await recordOf(ports, r) });
        continue;
      }
      try {
        const prep = asFirstDispatched(model.prep, r.plan.order);
        const ledger = restoredLedger(prep, r);
        const results = await t.resultsOf(ports.db, r.run);
        const caught = await catchUpResults(ledger, ports.store, prep, results);
        await t.logEvent(ports.db, prep.key, 'restored', { caught_up: caught });
        await host.register(id, state, r.bundle, prep, ledger, model.warnings);
      } catch (e) {
        await model.prep.lock.release().catch((x: unknown) => ports.warn(describeError(x)));
        const why = await endUnrecoverable(ports, r, describeError(e));
        host.ended(state, {
          ...endedView(r, ports.store.locate(r.run)),
          state: 'error',
          status: 'ERROR',
          exit_code: 1,
          error: why,
        });
      }
    }
    await host.settle(id);
  }
}

async function endUnrecoverable(ports: DispatchPorts, r: StoredFleetRun, why: string): Promise<string> {
  const error = `could not be taken over after a coordinator restart: ${why}`;
  ports.warn(`run ${r.run.runId} ${error}`);
  await t.endFleetRun(ports.db, r.run, { state: 'error', status: 'ERROR', exitCode: 1, error });
  return error;
}

async function recordOf(ports: DispatchPorts, r: StoredFleetRun) {
  return ports.store.readRun(r.run).catch((e: unknown) => {
    ports.warn(`run ${r.run.runId} ended before the restart, but its record: ${describeError(e)}`);
    return null;
  });
}

/** How a model run that is over is reported (its record, when it has one, is in the store). */
function endedView(r: StoredFleetRun, location: string): ModelRunView {
  return {
    run: r.run,
    state: r.state === 'running' || r.state === 'finishing' ? 'error' : r.state,
    status: r.status,
    exit_code: r.exitCode,
    error: r.error,
    waves: { evaluated: 0, total: 0 },
    record: null,
    location,
  };
}

/** The stored runs grouped by submission, in the order they were stored. */
function bySubmission(runs: readonly StoredFleetRun[]): Map<string, StoredFleetRun[]> {
  const out = new Map<string, StoredFleetRun[]>();
  for (const r of runs) {
    const list = out.get(r.submission) ?? [];
    list.push(r);
    out.set(r.submission, list);
  }
  return out;
}

/**
 * The prepared run as its first session dispatched it. Preparing a resumed run leaves out the samples
 * already in the sample log, but the fleet's ledger holds those as its own facts: the plan is the full
 * order again, which must be the stored one (same bundle, same baseline), else the run cannot be taken
 * over.
 */
function asFirstDispatched(prep: PreparedRun, storedOrder: readonly string[]): PreparedRun {
  const order = prep.fullOrder;
  const same = order.length === storedOrder.length && order.every((p, i) => p.sampleId === storedOrder[i]);
  if (!same) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `run ${prep.key.runId} plans its samples differently than when it was submitted`,
      { hint: 'the bundle or the baseline changed under the run; submit the suite again as a new run' },
    );
  }
  const baseline = prep.baseline?.run ?? null;
  const seq = startSequential(
    prep.opts.gates,
    baseline,
    order,
    prep.suite.config.run.wave_size,
    prep.isPerSample,
  );
  return { ...prep, order, reused: [], seq };
}

/** The run's ledger from its stored facts. */
function restoredLedger(prep: PreparedRun, stored: StoredFleetRun): WaveLedger {
  return WaveLedger.restore(
    { order: prep.order, seq: prep.seq, gates: prep.opts.gates, reused: prep.reused },
    stored.ledger,
  );
}

/**
 * Results fenced in Postgres that the stored ledger had not taken in yet (the process died between the
 * fenced write and saving its ledger): completed now, and added to the sample log unless it has them.
 */
async function catchUpResults(
  ledger: WaveLedger,
  store: RunStore,
  prep: PreparedRun,
  results: readonly {
    sampleId: string;
    attempt: number;
    record: SampleRecord;
    gpuS: number;
    used: boolean;
  }[],
): Promise<number> {
  const logged = new Set((await store.readSamples(prep.key)).map((s) => s.sample_id));
  let caught = 0;
  for (const r of results) {
    if (!r.used || ledger.stateOf(r.sampleId) !== 'leased') continue;
    const outcome = ledger.complete(r.sampleId, r.attempt, r.record, r.gpuS);
    if (outcome === 'recorded' && !logged.has(r.sampleId)) await store.appendSample(prep.key, r.record);
    caught++;
  }
  return caught;
}
