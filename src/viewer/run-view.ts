import { type Direction, deltaOf, gatedPaths, samplePathValue } from '../gates/ranking.js';
import { perSamplePaths, rankSamples } from '../report/analysis.js';
import { type SprtView, sprtView } from '../report/sprt-view.js';
import type { RunRecord, RunStatus, SampleRecord } from '../schema/run.js';
import type { RunKey } from '../store/types.js';

/**
 * The JSON the viewer's pages are drawn from: pure functions of a run record and its baseline's, so the
 * API answers the same thing for a local folder and a fleet store, and tests need no server.
 */

/** How many of the worst samples the run page shows under the verdict. */
const WORST = 5;

type SampleStatus = 'FAIL' | 'PASS' | 'ERROR';

interface SampleRow {
  sample_id: string;
  test_id: string;
  prompt: string;
  seed: number;
  status: SampleStatus;
  /** Gates the sample fails on its own values, as `<metric> <op> <value>`. */
  failing: string[];
  /** Position in the ranking (0 = most worth a look); null for a failed sample. */
  rank: number | null;
  values: Record<string, number | null>;
  /** current − baseline per metric path; null when either side is missing. */
  deltas: Record<string, number | null>;
  video_url: string | null;
  error: { stage: string; code: string; message: string; log_tail: string | null } | null;
}

interface WorstSample {
  sample_id: string;
  test_id: string;
  prompt: string;
  seed: number;
  gate: string | null;
  path: string | null;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  relative: number | null;
}

export interface RunView {
  key: RunKey;
  status: RunStatus;
  timestamp_utc: string;
  duration_s: number;
  counts: RunRecord['counts'];
  baseline: { run_id: string | null; mode: string; found: boolean };
  /** Metric paths of the table, gated ones first. */
  columns: string[];
  gated: string[];
  worst: WorstSample[];
  samples: SampleRow[];
  gates: {
    metric: string;
    target: string;
    actual: number | null;
    passed: boolean;
    reason: string;
    warning: string | null;
  }[];
  regressions: RunRecord['regressions'];
  /** The SPRT gates' traces: LLR per wave (look) with the decision boundaries. */
  sprt: (SprtView & { metric: string })[];
  errors: string[];
  warnings: string[];
  note: string | null;
  tag: string | null;
}

/** The URL the viewer serves an artifact of a run at (each segment escaped). */
function fileUrl(run: RunKey, name: string): string {
  return `/files/${[run.project, run.suite, run.model, run.runId, ...name.split('/')].map(encodeURIComponent).join('/')}`;
}

function keyOf(rec: RunRecord): RunKey {
  return { project: rec.project, suite: rec.suite_name, model: rec.model_name, runId: rec.run_id };
}

function rowOf(
  rec: RunRecord,
  s: SampleRecord,
  base: SampleRecord | undefined,
  columns: readonly string[],
  directions: ReadonlyMap<string, Direction | undefined>,
  ranked: { rank: number; failing: string[] } | undefined,
): SampleRow {
  const values: Record<string, number | null> = {};
  const deltas: Record<string, number | null> = {};
  for (const p of columns) {
    values[p] = samplePathValue(s, p);
    deltas[p] = deltaOf(p, directions.get(p), samplePathValue(base, p), values[p]).delta;
  }
  const failing = ranked?.failing ?? [];
  return {
    sample_id: s.sample_id,
    test_id: s.test_id,
    prompt: s.prompt,
    seed: s.seed,
    status: s.error ? 'ERROR' : failing.length > 0 ? 'FAIL' : 'PASS',
    failing,
    rank: ranked?.rank ?? null,
    values,
    deltas,
    video_url: s.video_path ? fileUrl(keyOf(rec), s.video_path) : null,
    error: s.error
      ? {
          stage: s.error.stage,
          code: s.error.code,
          message: s.error.message,
          log_tail: s.error.log_tail ?? null,
        }
      : null,
  };
}

/**
 * `against`: the run the deltas are taken against when it is not the run's own baseline (the compare page:
 * any two runs of a model); its id is then reported as the baseline, with mode `compare`.
 */
export function runView(rec: RunRecord, baseline: RunRecord | null, against = false): RunView {
  const ranked = rankSamples(rec, baseline);
  const directions = gatedPaths(rec.gates);
  const gated = [...directions.keys()];
  const columns = perSamplePaths(rec, baseline ? [baseline] : []);
  const baseById = new Map(baseline?.samples.map((s) => [s.sample_id, s]) ?? []);
  const rankById = new Map(ranked.map((r, rank) => [r.sample.sample_id, { rank, failing: r.failing }]));
  const rows = rec.samples.map((s) =>
    rowOf(rec, s, baseById.get(s.sample_id), columns, directions, rankById.get(s.sample_id)),
  );
  // Worst first: the ranking's order, then the samples that failed before they could be measured.
  rows.sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER));
  const worst = ranked
    .filter((r) => r.failing.length > 0 || r.worstDrop > 0)
    .slice(0, WORST)
    .map((r): WorstSample => {
      // The gated path that got worst for this sample (by relative change), else the first gated path.
      const worse = [...r.deltas].sort((a, b) => (a.relative ?? 0) - (b.relative ?? 0))[0];
      return {
        sample_id: r.sample.sample_id,
        test_id: r.sample.test_id,
        prompt: r.sample.prompt,
        seed: r.sample.seed,
        gate: r.failing[0] ?? null,
        path: worse?.path ?? null,
        baseline: worse?.baseline ?? null,
        current: worse?.current ?? null,
        delta: worse?.delta ?? null,
        relative: worse?.relative ?? null,
      };
    });
  return {
    key: keyOf(rec),
    status: rec.status,
    timestamp_utc: rec.timestamp_utc,
    duration_s: rec.duration_s,
    counts: rec.counts,
    baseline: against
      ? { run_id: baseline?.run_id ?? null, mode: 'compare', found: baseline !== null }
      : { run_id: rec.baseline.run_id, mode: rec.baseline.mode, found: baseline !== null },
    columns,
    gated,
    worst,
    samples: rows,
    gates: rec.gates.map((g) => ({
      metric: g.metric,
      target: `${g.op} ${String(g.value)}${g.aggregate === 'mean' ? '' : ` (${g.aggregate})`}`,
      actual: g.actual,
      passed: g.passed,
      reason: g.reason,
      warning: g.warning ?? null,
    })),
    regressions: rec.regressions,
    sprt: rec.gates.flatMap((g) => {
      const v = sprtView(g);
      return v === null ? [] : [{ metric: g.metric, ...v }];
    }),
    errors: rec.errors,
    warnings: rec.warnings,
    note: rec.note ?? null,
    tag: rec.tag ?? null,
  };
}

export interface SampleView {
  key: RunKey;
  status: RunStatus;
  sample: SampleRow;
  fps: number;
  frame_count: number | null;
  baseline: { run_id: string; video_url: string | null; video_missing?: string } | null;
  /** Why the run's video is not served although the record names one (the file was deleted). */
  video_missing?: string;
}

/** One sample with what its page needs: both videos' URLs and the frame rate the players step by. */
export function sampleView(
  view: RunView,
  rec: RunRecord,
  baseline: RunRecord | null,
  sampleId: string,
): SampleView | null {
  const row = view.samples.find((s) => s.sample_id === sampleId);
  const s = rec.samples.find((x) => x.sample_id === sampleId);
  if (!row || !s) return null;
  const base = baseline?.samples.find((x) => x.sample_id === sampleId);
  return {
    key: view.key,
    status: view.status,
    sample: row,
    fps: s.video?.fps ?? s.video_settings.fps,
    frame_count: s.video?.frame_count ?? null,
    baseline:
      baseline === null
        ? null
        : {
            run_id: baseline.run_id,
            video_url: base?.video_path ? fileUrl(keyOf(baseline), base.video_path) : null,
          },
  };
}
