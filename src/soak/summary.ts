import path from 'node:path';
import { atomicWriteFile, atomicWriteJson } from '../platform/fs.js';
import { type CycleRecord, files, readJsonLines } from './state.js';
import { percentile, slopePerHour } from './stats.js';
import type { TelemetryRow } from './telemetry.js';

/** `temporalci soak summary`: what days of cycles add up to, as summary.json and summary.md. */

interface JobSummary {
  job: string;
  expect: 'pass' | 'fail';
  cycles: number;
  by_outcome: Record<string, number>;
  as_expected: number;
  detector_misses: number;
  duration_s: { p50: number | null; p95: number | null };
  failures_by_stage: Record<string, number>;
  /** Least-squares growth of the cycle's process-group RSS, MB per hour; null with too few rows. */
  rss_slope_mb_per_h: number | null;
  runs: Array<{ cycle: number; run_id: string; model: string; status: string; report: string }>;
}

export interface SoakSummary {
  generated_utc: string;
  cycles: number;
  by_outcome: Record<string, number>;
  detector_misses: number;
  duration_s: { p50: number | null; p95: number | null };
  failures_by_stage: Record<string, number>;
  leak_slopes: {
    rss_mb_per_h: Record<string, number | null>;
    gpu_memory_mib_per_h: number | null;
    gpu_util_pct_per_h: number | null;
  };
  telemetry_rows: number;
  jobs: JobSummary[];
}

function count(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

const hoursOf = (row: TelemetryRow) => Date.parse(row.utc) / 3_600_000;
const round = (v: number | null, digits = 3) => (v === null ? null : Number(v.toFixed(digits)));

function rssSlope(rows: readonly TelemetryRow[], job: string): number | null {
  const points = rows
    .filter((r) => typeof r.children[job] === 'number')
    .map((r) => ({ hours: hoursOf(r), value: r.children[job]! / 1e6 }));
  return round(slopePerHour(points));
}

function gpuSlope(
  rows: readonly TelemetryRow[],
  pick: (g: NonNullable<TelemetryRow['gpus']>[number]) => number,
): number | null {
  const points = rows
    .filter((r) => r.gpus?.length)
    .map((r) => ({ hours: hoursOf(r), value: r.gpus!.map(pick).reduce((a, b) => a + b, 0) }));
  return round(slopePerHour(points));
}

/** Pure: the summary of these cycles and telemetry rows. `stateDir` makes the report links relative. */
export function summarize(
  cycles: readonly CycleRecord[],
  rows: readonly TelemetryRow[],
  stateDir: string,
): SoakSummary {
  const names = [...new Set(cycles.map((c) => c.job).concat(rows.flatMap((r) => Object.keys(r.children))))];
  const jobs: JobSummary[] = names.map((job) => {
    const mine = cycles.filter((c) => c.job === job);
    const byOutcome: Record<string, number> = {};
    const stages: Record<string, number> = {};
    for (const c of mine) {
      count(byOutcome, c.outcome);
      for (const [s, n] of Object.entries(c.failures_by_stage)) count(stages, s, n);
    }
    const durations = mine.map((c) => c.duration_s);
    return {
      job,
      expect: mine[0]?.expect ?? 'pass',
      cycles: mine.length,
      by_outcome: byOutcome,
      as_expected: mine.filter((c) => c.as_expected).length,
      detector_misses: mine.filter((c) => c.detector_miss).length,
      duration_s: { p50: round(percentile(durations, 50)), p95: round(percentile(durations, 95)) },
      failures_by_stage: stages,
      rss_slope_mb_per_h: rssSlope(rows, job),
      runs: mine.flatMap((c) =>
        c.runs.map((r) => ({
          cycle: c.cycle,
          run_id: r.run_id,
          model: r.model,
          status: r.status,
          // A fleet run's place is the coordinator's description of its store, not a local folder.
          report: path.isAbsolute(r.run_dir)
            ? path.relative(stateDir, path.join(r.run_dir, 'report.html'))
            : r.run_dir,
        })),
      ),
    };
  });
  const byOutcome: Record<string, number> = {};
  const stages: Record<string, number> = {};
  for (const j of jobs) {
    for (const [k, n] of Object.entries(j.by_outcome)) count(byOutcome, k, n);
    for (const [k, n] of Object.entries(j.failures_by_stage)) count(stages, k, n);
  }
  const all = cycles.map((c) => c.duration_s);
  return {
    generated_utc: new Date().toISOString(),
    cycles: cycles.length,
    by_outcome: byOutcome,
    detector_misses: jobs.reduce((a, j) => a + j.detector_misses, 0),
    duration_s: { p50: round(percentile(all, 50)), p95: round(percentile(all, 95)) },
    failures_by_stage: stages,
    leak_slopes: {
      rss_mb_per_h: Object.fromEntries(jobs.map((j) => [j.job, j.rss_slope_mb_per_h])),
      gpu_memory_mib_per_h: gpuSlope(rows, (g) => g.memory_used_mib),
      gpu_util_pct_per_h: gpuSlope(rows, (g) => g.utilization_pct),
    },
    telemetry_rows: rows.length,
    jobs,
  };
}

const fmt = (v: number | null, unit = '') => (v === null ? 'n/a' : `${v}${unit}`);
const pairs = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

export function summaryMarkdown(s: SoakSummary): string {
  const lines = [
    '# Soak summary',
    '',
    `${s.cycles} cycles: ${pairs(s.by_outcome)}. Detector misses: ${s.detector_misses}.`,
    `Cycle duration p50 ${fmt(s.duration_s.p50, ' s')}, p95 ${fmt(s.duration_s.p95, ' s')}.`,
    `Failures by stage: ${pairs(s.failures_by_stage)}.`,
    `GPU memory slope ${fmt(s.leak_slopes.gpu_memory_mib_per_h, ' MiB/h')}, utilisation slope ${fmt(s.leak_slopes.gpu_util_pct_per_h, ' %/h')} (${s.telemetry_rows} telemetry rows).`,
    '',
    '| job | expect | cycles | outcomes | detector misses | p50 s | p95 s | RSS slope MB/h |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.jobs.map(
      (j) =>
        `| ${j.job} | ${j.expect} | ${j.cycles} | ${pairs(j.by_outcome)} | ${j.detector_misses} | ${fmt(j.duration_s.p50)} | ${fmt(j.duration_s.p95)} | ${fmt(j.rss_slope_mb_per_h)} |`,
    ),
    '',
    '## Runs',
    '',
    ...s.jobs.flatMap((j) =>
      j.runs.map((r) => `- ${j.job} cycle ${r.cycle}: [${r.model} ${r.run_id}](${r.report}) ${r.status}`),
    ),
    '',
  ];
  return lines.join('\n');
}

/** Reads the state folder, writes summary.json and summary.md there, and returns the summary. */
export async function writeSummary(stateDir: string): Promise<SoakSummary> {
  const f = files(stateDir);
  const cycles = await readJsonLines<CycleRecord>(f.cycles);
  const rows = [
    ...(await readJsonLines<TelemetryRow>(f.telemetryOld)),
    ...(await readJsonLines<TelemetryRow>(f.telemetry)),
  ];
  const s = summarize(cycles, rows, stateDir);
  await atomicWriteJson(f.summaryJson, s);
  await atomicWriteFile(f.summaryMd, summaryMarkdown(s));
  return s;
}
