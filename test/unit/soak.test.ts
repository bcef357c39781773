import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SuiteValidationError } from '../../src/errors.js';
import { cycleEvent } from '../../src/soak/alerts.js';
import { parseSoakConfig } from '../../src/soak/config.js';
import { bootId, holderState, identityOf, judgeHolder, processStartTime } from '../../src/soak/proc.js';
import { cronProblem, nextCronSlot, nextSlot, parseEvery, parseJitter } from '../../src/soak/schedule.js';
import { type CycleRecord, judgeHealth, type SoakStatus } from '../../src/soak/state.js';
import { percentile, slopePerHour } from '../../src/soak/stats.js';
import { summarize } from '../../src/soak/summary.js';
import { parseNvidiaSmi, type TelemetryRow } from '../../src/soak/telemetry.js';

describe('soak schedule', () => {
  it('cron slots: the next wall-clock time after the last slot; missed ones skipped; jitter within the gap', () => {
    const t = (iso: string) => Date.parse(iso);
    const a = nextCronSlot('*/30 * * * *', t('2026-01-01T00:00:00Z'), t('2026-01-01T00:10:00Z'), 0, 0.5);
    expect(new Date(a.slotWall).getUTCMinutes()).toBe(30);
    expect(a.skipped).toBe(0);
    expect(a.startWall).toBe(a.slotWall);
    // The cycle ran until 01:40: the 00:30, 01:00 and 01:30 slots passed and are skipped.
    const b = nextCronSlot('*/30 * * * *', t('2026-01-01T00:00:00Z'), t('2026-01-01T01:40:00Z'), 0, 0.5);
    expect(b.slotWall - t('2026-01-01T02:00:00Z')).toBe(a.slotWall - t('2026-01-01T00:30:00Z'));
    expect(b.skipped).toBe(3);
    const j = nextCronSlot('*/30 * * * *', t('2026-01-01T00:00:00Z'), t('2026-01-01T00:00:00Z'), 0.1, 1);
    expect(j.startWall - j.slotWall).toBeCloseTo(0.1 * 30 * 60_000, 0);
    expect(cronProblem('*/5 * * * *')).toBeNull();
    expect(cronProblem('every day')).toMatch(/five, six, or seven/);
  });

  it('reads every: durations and jitter', () => {
    expect(parseEvery('2s')).toBe(2000);
    expect(parseEvery('30m')).toBe(1_800_000);
    expect(parseEvery('1.5h')).toBe(5_400_000);
    expect(parseEvery('0s')).toBeNull();
    expect(parseEvery('30')).toBeNull();
    expect(parseEvery('5d')).toBeNull();
    expect(parseJitter('10%')).toBeCloseTo(0.1);
    expect(parseJitter(0.2)).toBe(0.2);
    expect(parseJitter('60%')).toBeNull();
  });

  it('keeps slots on the grid and skips the ones a long cycle overran', () => {
    expect(nextSlot(0, 1000, 0, 300, 0.5)).toEqual({ slotMs: 1000, startMs: 1000, skipped: 0 });
    expect(nextSlot(0, 1000, 0, 3500, 0.5)).toEqual({ slotMs: 4000, startMs: 4000, skipped: 3 });
    const early = nextSlot(0, 1000, 0.1, 0, 0);
    const late = nextSlot(0, 1000, 0.1, 0, 0.999999);
    expect(early.startMs).toBeCloseTo(900);
    expect(late.startMs).toBeCloseTo(1100);
    // Jitter never starts a cycle in the past.
    expect(nextSlot(0, 1000, 0.5, 950, 0).startMs).toBe(950);
  });
});

describe('soak figures', () => {
  it('percentiles interpolate between ranks', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBeCloseTo(9.55);
  });

  it('the least-squares slope is the growth per hour', () => {
    expect(slopePerHour([{ hours: 0, value: 100 }])).toBeNull();
    expect(
      slopePerHour([
        { hours: 1, value: 100 },
        { hours: 1, value: 200 },
      ]),
    ).toBeNull();
    expect(slopePerHour([0, 1, 2, 3].map((h) => ({ hours: h, value: 50 + 10 * h })))).toBeCloseTo(10);
    expect(slopePerHour([0, 1, 2].map((h) => ({ hours: h, value: 80 - 5 * h })))).toBeCloseTo(-5);
  });
});

describe('soak lock verification', () => {
  it('judges a holder by pid, start time and boot id', () => {
    const rec = { pid: 42, start_time: '1000', boot_id: 'b1' };
    expect(judgeHolder(rec, { start_time: '1000', boot_id: 'b1' })).toBe('alive');
    expect(judgeHolder(rec, { start_time: null, boot_id: 'b1' })).toBe('dead');
    expect(judgeHolder(rec, { start_time: '2000', boot_id: 'b1' })).toBe('reused');
    expect(judgeHolder(rec, { start_time: '1000', boot_id: 'b2' })).toBe('reused');
  });

  it('reads real processes: a live one is alive, the same pid with another start time is not', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const id = await identityOf(child.pid!);
      expect(id).not.toBeNull();
      expect(id!.boot_id).toBe(await bootId());
      expect(await holderState(id!)).toBe('alive');
      expect(await holderState({ ...id!, start_time: String(Number(id!.start_time) + 1) })).toBe('reused');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(await processStartTime(child.pid!)).toBeNull();
  });
});

describe('soak config', () => {
  it('accepts the smallest config of the issue', () => {
    const c = parseSoakConfig(
      '/x/soak.yaml',
      'version: 1\nartifacts_dir: ./artifacts\njobs:\n  - suite: suite.yaml\n    every: 2s\n    max_cycles: 2\n    expect: pass\n',
    );
    expect(c.artifactsDir).toBe('/x/artifacts');
    expect(c.stateDir).toBe('/x/soak');
    expect(c.jobs).toEqual([
      {
        name: 'suite',
        suite: '/x/suite.yaml',
        everyMs: 2000,
        jitter: 0,
        expect: 'pass',
        baselineMode: 'latest_pass',
        maxCycles: 2,
      },
    ]);
    expect(c.staleAfterS).toBe(30);
  });

  it('names every problem at its line and column, with a did-you-mean', () => {
    const text =
      'version: 1\njobs:\n  - suite: s.yaml\n    every: 2 minutes\n    max_cycle: 3\n  - suite: t.yaml\n    cron: "*/61 * *"\n  - suite: u.yaml\n    cron: "*/5 * * * *"\n';
    let err: unknown;
    try {
      parseSoakConfig('soak.yaml', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SuiteValidationError);
    const issues = (err as SuiteValidationError).issues;
    expect((err as Error).message).toBe('soak.yaml: 3 problems in the soak config');
    expect(issues.map((i) => [i.line, i.col, i.path])).toEqual([
      [4, 12, 'jobs[0].every'],
      [5, 5, 'jobs[0].max_cycle'],
      [7, 11, 'jobs[1].cron'],
    ]);
    expect(issues[1]!.hint).toContain('max_cycles');
  });

  it('fleet jobs: the coordinator from the job or the top level, the token only by the name of its variable', () => {
    const text =
      'version: 1\ncoordinator_url: http://fleet:8420\ntoken_env: SOAK_TOKEN\njobs:\n  - suite: a.yaml\n    every: 2s\n  - suite: b.yaml\n    every: 2s\n    coordinator_url: https://other\n    token_env: OTHER\n';
    const c = parseSoakConfig('/x/soak.yaml', text, { SOAK_TOKEN: 's', OTHER: 'o' });
    expect(c.jobs.map((j) => j.fleet)).toEqual([
      { url: 'http://fleet:8420', tokenEnv: 'SOAK_TOKEN' },
      { url: 'https://other', tokenEnv: 'OTHER' },
    ]);
    const local = parseSoakConfig(
      '/x/soak.yaml',
      'version: 1\njobs:\n  - suite: a.yaml\n    every: 2s\n',
      {},
    );
    expect(local.jobs[0]!.fleet).toBeUndefined();
  });

  it('fleet jobs: an unset token variable, a literal token, keep_last and a bad URL are refused at their line', () => {
    const text =
      'version: 1\njobs:\n  - suite: a.yaml\n    every: 2s\n    coordinator_url: http://fleet:8420\n    keep_last: 3\n  - suite: b.yaml\n    every: 2s\n    coordinator_url: fleet:8420\n    token: abc\n';
    let err: unknown;
    try {
      parseSoakConfig('soak.yaml', text, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SuiteValidationError);
    const issues = (err as SuiteValidationError).issues;
    expect(issues.map((i) => [i.line, i.col, i.path])).toEqual([
      [9, 22, 'jobs[1].coordinator_url'],
      [10, 5, 'jobs[1].token'],
    ]);
    // Once the shapes are right, the token's variable and keep_last are checked.
    let err2: unknown;
    try {
      parseSoakConfig('soak.yaml', text.replace('fleet:8420\n    token: abc', 'http://f:1'), {});
    } catch (e) {
      err2 = e;
    }
    const second = (err2 as SuiteValidationError).issues;
    expect(second.map((i) => [i.line, i.path, i.message])).toEqual([
      [5, 'jobs[0].coordinator_url', "the submit token's variable $TEMPORALCI_TOKEN is not set"],
      [6, 'jobs[0].keep_last', '`keep_last` cannot be used with `coordinator_url`'],
      [9, 'jobs[1].coordinator_url', "the submit token's variable $TEMPORALCI_TOKEN is not set"],
    ]);
  });
});

describe('soak alerts and health', () => {
  it('raises alerts on changes of state only', () => {
    expect(cycleEvent('fail', null, 'pass')).toBe('detector_miss');
    expect(cycleEvent('fail', 'pass', 'pass')).toBeNull();
    expect(cycleEvent('fail', 'pass', 'fail')).toBe('detector_restored');
    expect(cycleEvent('fail', 'fail', 'fail')).toBeNull();
    expect(cycleEvent('pass', 'pass', 'fail')).toBe('unexpected_failure');
    expect(cycleEvent('pass', 'fail', 'error')).toBeNull();
    expect(cycleEvent('pass', 'fail', 'pass')).toBe('recovered');
    expect(cycleEvent('pass', null, 'pass')).toBeNull();
    expect(cycleEvent('pass', 'pass', 'interrupted')).toBeNull();
  });

  it('a fresh status with a live holder is healthy however long the cycle is', () => {
    const status = { phase: 'running', jobs: [] } as unknown as SoakStatus;
    expect(judgeHealth(status, 'alive', 5, 30, true).healthy).toBe(true);
    expect(judgeHealth(status, 'alive', 31, 30, true).healthy).toBe(false);
    expect(judgeHealth(status, 'dead', 1, 30, true).healthy).toBe(false);
    expect(judgeHealth(status, 'reused', 1, 30, true).healthy).toBe(false);
    expect(judgeHealth(null, 'none', 0, 30, true).healthy).toBe(false);
    const finished = { ...status, phase: 'finished' } as SoakStatus;
    expect(judgeHealth(finished, 'none', 999, 30, true).healthy).toBe(true);
    expect(judgeHealth(finished, 'none', 999, 30, false).healthy).toBe(false);
  });
});

describe('soak summary', () => {
  const cycle = (
    n: number,
    outcome: CycleRecord['outcome'],
    expect: 'pass' | 'fail',
    d: number,
  ): CycleRecord => ({
    job: expect === 'pass' ? 'base' : 'degraded',
    suite: 's.yaml',
    cycle: n,
    started_utc: '2026-01-01T00:00:00Z',
    finished_utc: '2026-01-01T00:01:00Z',
    duration_s: d,
    exit_code: 0,
    outcome,
    expect,
    as_expected: outcome === expect,
    detector_miss: expect === 'fail' && outcome === 'pass',
    resumed: false,
    runs: [{ run_id: `r${n}`, model: 'm', status: outcome.toUpperCase(), run_dir: `/a/p/s/m/r${n}` }],
    failures_by_stage: outcome === 'fail' ? { gate: 1, generate: 2 } : {},
  });

  it('counts outcomes, misses, stages, durations and slopes', () => {
    const rows: TelemetryRow[] = [0, 1, 2].map((h) => ({
      utc: new Date(Date.UTC(2026, 0, 1, h)).toISOString(),
      t_s: h * 3600,
      children: { base: (100 + 20 * h) * 1e6, degraded: null },
      event_loop_delay_ms: { p50: 1, max: 2 },
      load1: 0.5,
      disk_free_bytes: 1e9,
      gpus: [{ memory_used_mib: 1000 + 100 * h, utilization_pct: 50 }],
    }));
    const s = summarize(
      [
        cycle(1, 'pass', 'pass', 10),
        cycle(2, 'fail', 'pass', 20),
        cycle(1, 'pass', 'fail', 30),
        cycle(2, 'fail', 'fail', 40),
      ],
      rows,
      '/a/soak',
    );
    expect(s.cycles).toBe(4);
    expect(s.by_outcome).toEqual({ pass: 2, fail: 2 });
    expect(s.detector_misses).toBe(1);
    expect(s.failures_by_stage).toEqual({ gate: 2, generate: 4 });
    expect(s.duration_s).toEqual({ p50: 25, p95: 38.5 });
    expect(s.leak_slopes.rss_mb_per_h.base).toBeCloseTo(20);
    expect(s.leak_slopes.rss_mb_per_h.degraded).toBeNull();
    expect(s.leak_slopes.gpu_memory_mib_per_h).toBeCloseTo(100);
    expect(s.jobs.find((j) => j.job === 'base')!.runs[0]!.report).toBe('../p/s/m/r1/report.html');
  });

  it('reads nvidia-smi CSV', () => {
    expect(parseNvidiaSmi('1234, 56\n789, 0\n')).toEqual([
      { memory_used_mib: 1234, utilization_pct: 56 },
      { memory_used_mib: 789, utilization_pct: 0 },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});
