import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import { timerMs } from '../platform/timers.js';
import { Alerter, cycleEvent } from './alerts.js';
import type { SoakConfig, SoakJob } from './config.js';
import { runCycle } from './cycle.js';
import { acquireLock, releaseLock } from './lock.js';
import { type SuiteFolders, suiteFolders, unfinishedRuns } from './runs.js';
import { nextCronSlot, nextSlot } from './schedule.js';
import {
  appendCycle,
  type CycleRecord,
  files,
  type JobStatus,
  type Phase,
  readJsonLines,
  readStatus,
  type SoakStatus,
  writeStatus,
} from './state.js';
import { writeSummary } from './summary.js';
import { Telemetry } from './telemetry.js';

/**
 * `temporalci soak`: one foreground supervisor. Time is kept on the monotonic clock (performance.now), so a
 * clock step neither ends the soak early nor fires a burst of cycles. The status file and telemetry are on
 * timers of their own, so a cycle of any length keeps the soak visibly alive.
 */

export interface SuperviseOptions {
  cli: string;
  log: (line: string) => void;
  warn: (line: string) => void;
}

const LAST_OUTCOMES = 10;

class Supervisor {
  private readonly stop = new AbortController();
  private readonly t0 = performance.now();
  private readonly startedUtc = new Date().toISOString();
  private phase: Phase = 'starting';
  private readonly jobs = new Map<string, JobStatus>();
  private readonly childPids = new Map<string, number | null>();
  private readonly folders = new Map<string, SuiteFolders>();
  private writing: Promise<void> = Promise.resolve();
  private readonly telemetry: Telemetry;
  private readonly alerter: Alerter;

  constructor(
    private readonly config: SoakConfig,
    private readonly opts: SuperviseOptions,
  ) {
    const f = files(config.stateDir);
    this.telemetry = new Telemetry(
      f.telemetry,
      f.telemetryOld,
      config.telemetryMaxBytes,
      config.artifactsDir,
    );
    this.alerter = new Alerter(config.notify, opts.warn);
  }

  private status(): SoakStatus {
    return {
      phase: this.phase,
      pid: process.pid,
      updated_utc: new Date().toISOString(),
      started_utc: this.startedUtc,
      jobs: [...this.jobs.values()],
    };
  }

  /** One write at a time, in order; the timer, cycle ends and the final phase all go through here. */
  private save(): Promise<void> {
    // A failed write was reported to whoever awaited it; the next one must still run.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        for (const j of this.jobs.values()) {
          const folders = this.folders.get(j.name);
          if (j.current === null || folders === undefined) continue;
          const u = await unfinishedRuns(folders, j.current.started_utc);
          j.current.run_dirs = u.dirs;
          j.current.samples_done = u.samples;
        }
        await writeStatus(this.config.stateDir, this.status());
      });
    return this.writing;
  }

  private async sampleTelemetry(): Promise<void> {
    const row = await this.telemetry.row(
      (performance.now() - this.t0) / 1000,
      Object.fromEntries(this.childPids),
    );
    await this.telemetry.append(row);
  }

  /** A timer whose failures are reported, not lost, and which never runs twice at once. */
  private every(seconds: number, what: string, fn: () => Promise<void>): NodeJS.Timeout {
    let busy = false;
    return setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((e: unknown) => this.opts.warn(`soak ${what}: ${describeError(e)}`))
        .finally(() => {
          busy = false;
        });
    }, timerMs(seconds));
  }

  private async restore(): Promise<SoakStatus | null> {
    const previous = await readStatus(this.config.stateDir);
    const cycles = await readJsonLines<CycleRecord>(files(this.config.stateDir).cycles);
    for (const job of this.config.jobs) {
      const mine = cycles.filter((c) => c.job === job.name);
      const before = previous?.jobs.find((j) => j.name === job.name);
      this.jobs.set(job.name, {
        name: job.name,
        suite: job.suite,
        expect: job.expect,
        cycles_done: mine.length,
        skipped_slots: before?.skipped_slots ?? 0,
        last_outcomes: mine.slice(-LAST_OUTCOMES).map((c) => c.outcome),
        next_start_utc: null,
        // A cycle the last supervisor did not finish is resumed first, under its own number.
        current: before?.current ?? null,
        done: false,
      });
      this.childPids.set(job.name, null);
      this.folders.set(job.name, await suiteFolders(job.suite, this.config.artifactsDir));
    }
    return previous;
  }

  private async finishCycle(job: SoakJob, st: JobStatus, record: CycleRecord): Promise<void> {
    await appendCycle(this.config.stateDir, record);
    const previous = st.last_outcomes.at(-1) ?? null;
    st.cycles_done++;
    st.last_outcomes = [...st.last_outcomes, record.outcome].slice(-LAST_OUTCOMES);
    st.current = null;
    await this.save();
    this.opts.log(
      `soak: ${job.name} cycle ${record.cycle}: ${record.outcome} (expected ${job.expect}) in ${record.duration_s} s`,
    );
    const event = cycleEvent(job.expect, previous, record.outcome);
    if (event !== null) {
      await this.alerter.send({
        event,
        job: job.name,
        cycle: record.cycle,
        outcome: record.outcome,
        expect: job.expect,
        runs: record.runs.map((r) => r.run_id),
        text: `TemporalCI soak: ${event.replace('_', ' ')} in ${job.name} cycle ${record.cycle} (${record.outcome}, expected ${job.expect})`,
      });
    }
  }

  /** Sleeps until monotonic time `t`, in steps a Node timer can hold (≤ 2^31−1 ms, about 24.8 days). */
  private async waitUntil(t: number): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const wait = t - performance.now();
      if (wait <= 0) return;
      // An abort (stop) ends the wait; the loop sees it.
      await sleep(Math.min(wait, 2 ** 31 - 1), undefined, { signal }).catch(() => undefined);
    }
  }

  private async runJob(job: SoakJob): Promise<void> {
    const st = this.jobs.get(job.name)!;
    const deadline = job.hours === undefined ? Infinity : this.t0 + job.hours * 3_600_000;
    const left = () => job.maxCycles === undefined || st.cycles_done < job.maxCycles;
    let slot =
      job.cron === undefined
        ? { slotMs: performance.now(), startMs: performance.now(), skipped: 0 }
        : cronSlot(job, Date.now());
    let lastWall = Date.now();
    while (!this.stop.signal.aborted && left()) {
      // A cron expression whose last time has passed (a year field in the past) has no next slot.
      if (!Number.isFinite(slot.startMs)) break;
      st.next_start_utc = new Date(Date.now() + Math.max(0, slot.startMs - performance.now())).toISOString();
      await this.waitUntil(slot.startMs);
      if (this.stop.signal.aborted || performance.now() >= deadline) break;
      // The wall-clock time of the slot this cycle belongs to: the next cron slot comes after it.
      lastWall = Date.now() + (slot.slotMs - performance.now());
      const resume = st.current !== null;
      st.current ??= {
        cycle: st.cycles_done + 1,
        started_utc: new Date().toISOString(),
        child: null,
        run_dirs: [],
        samples_done: 0,
        resumed: false,
      };
      st.current.resumed = resume;
      st.next_start_utc = null;
      const record = await runCycle(
        job,
        this.folders.get(job.name)!,
        { cycle: st.current.cycle, startedUtc: st.current.started_utc, resume },
        {
          cli: this.opts.cli,
          artifactsDir: this.config.artifactsDir,
          stateDir: this.config.stateDir,
          signal: this.stop.signal,
          onChild: (child) => {
            if (st.current) st.current.child = child;
            this.childPids.set(job.name, child?.pid ?? null);
          },
        },
      );
      if (record === null) break;
      await this.finishCycle(job, st, record);
      slot =
        job.cron === undefined
          ? nextSlot(slot.slotMs, job.everyMs, job.jitter, performance.now(), Math.random())
          : cronSlot(job, lastWall);
      st.skipped_slots += slot.skipped;
    }
    st.done = true;
    st.next_start_utc = null;
  }

  async run(): Promise<number> {
    await acquireLock(this.config.stateDir, os.hostname());
    const onSignal = () => this.stop.abort();
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const timers: NodeJS.Timeout[] = [];
    try {
      const previous = await this.restore();
      this.phase = 'running';
      await this.save();
      timers.push(this.every(this.config.statusIntervalS, 'status', () => this.save()));
      timers.push(this.every(this.config.telemetryIntervalS, 'telemetry', () => this.sampleTelemetry()));
      if (previous !== null && previous.phase !== 'stopped' && previous.phase !== 'finished') {
        this.opts.warn(
          `soak: the previous supervisor (pid ${previous.pid}) did not stop cleanly; continuing`,
        );
        await this.alerter.send({
          event: 'supervisor_restart',
          job: null,
          cycle: null,
          outcome: null,
          expect: null,
          runs: [],
          text: `TemporalCI soak: supervisor restarted after pid ${previous.pid} ended without stopping`,
        });
      }
      await Promise.all(this.config.jobs.map((j) => this.runJob(j)));
      for (const t of timers) clearInterval(t);
      this.phase = this.stop.signal.aborted ? 'stopped' : 'finished';
      await this.save();
      if (this.stop.signal.aborted) return 130;
      const s = await writeSummary(this.config.stateDir);
      this.opts.log(`soak: finished; summary in ${files(this.config.stateDir).summaryMd}`);
      const cycles = s.jobs.reduce((a, j) => a + j.cycles, 0);
      const expected = s.jobs.reduce((a, j) => a + j.as_expected, 0);
      if (s.by_outcome.error !== undefined) return 1;
      return expected === cycles ? 0 : 2;
    } finally {
      for (const t of timers) clearInterval(t);
      this.telemetry.close();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await this.writing.catch(() => undefined);
      await releaseLock(this.config.stateDir);
    }
  }
}

/** Runs the soak to its end; resolves to the exit code (0 all as expected, 2 not, 1 errors, 130 stopped). */
export function supervise(config: SoakConfig, opts: SuperviseOptions): Promise<number> {
  return new Supervisor(config, opts).run();
}

/** A cron job's next slot as monotonic times: the wall-clock wait is taken once, now. */
function cronSlot(job: SoakJob, lastSlotWall: number): { slotMs: number; startMs: number; skipped: number } {
  const nowWall = Date.now();
  const now = performance.now();
  const next = nextCronSlot(job.cron as string, lastSlotWall, nowWall, job.jitter, Math.random());
  return {
    slotMs: now + (next.slotWall - nowWall),
    startMs: now + (next.startWall - nowWall),
    skipped: next.skipped,
  };
}
