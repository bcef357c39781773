import { compareValues, directionOf } from '../gates/compare.js';
import { splitMetricPath } from '../gates/evaluate.js';
import type { GateResult, RunRecord, SampleRecord } from '../schema/run.js';
import type { GateOp } from '../schema/suite.js';
import { getLeaf, leafPaths } from '../schema/values.js';

/** Pure views over run records, shared by the run report, compare, the step summary and JUnit. */

export type Direction = 'higher_is_better' | 'lower_is_better';

export interface SampleDelta {
  path: string;
  direction: Direction | undefined;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  /** Positive = better in the metric's direction; null when either side is missing or there is no direction. */
  improvement: number | null;
  /** improvement / |baseline|. */
  relative: number | null;
}

export interface RankedSample {
  sample: SampleRecord;
  baseline: SampleRecord | undefined;
  /** Gates this sample fails on its own values. */
  failing: string[];
  deltas: SampleDelta[];
  /** The largest relative drop over the gated paths (0 when nothing got worse). */
  worstDrop: number;
}

export function samplePathValue(s: SampleRecord | undefined, metricPath: string): number | null {
  if (!s) return null;
  const { metric, leaf } = splitMetricPath(metricPath);
  const v = getLeaf(s.metrics[metric], leaf);
  return typeof v === 'number' ? v : null;
}

/** The gated metric paths with their direction (first gate wins; equality gates have none). */
export function gatedPaths(
  gates: readonly { metric: string; op: GateOp }[],
): Map<string, Direction | undefined> {
  const out = new Map<string, Direction | undefined>();
  for (const g of gates) {
    if (!out.has(g.metric) || out.get(g.metric) === undefined) out.set(g.metric, directionOf(g.op));
  }
  return out;
}

export function deltaOf(
  path: string,
  direction: Direction | undefined,
  baseline: number | null,
  current: number | null,
): SampleDelta {
  const delta = baseline !== null && current !== null ? current - baseline : null;
  const improvement =
    delta === null || direction === undefined ? null : direction === 'higher_is_better' ? delta : -delta;
  const relative =
    improvement === null
      ? null
      : baseline !== 0 && baseline !== null
        ? improvement / Math.abs(baseline)
        : null;
  return { path, direction, baseline, current, delta, improvement, relative };
}

/**
 * Measured samples, most interesting first: those failing a gate on their own values, then the largest
 * relative drop against the same sample_id in the baseline (direction-aware), then plan order.
 */
export function rankSamples(rec: RunRecord, baseline: RunRecord | null): RankedSample[] {
  const paths = gatedPaths(rec.gates);
  const baseById = new Map(baseline?.samples.map((s) => [s.sample_id, s]) ?? []);
  const ranked = rec.samples
    .filter((s) => s.error === null)
    .map((sample, order) => {
      const base = baseById.get(sample.sample_id);
      const failing = rec.gates
        .filter((g) => g.method === 'threshold' && typeof g.value !== 'boolean')
        .filter((g) => {
          const v = samplePathValue(sample, g.metric);
          return v !== null && !compareValues(v, g.op, g.value);
        })
        .map((g) => `${g.metric} ${g.op} ${String(g.value)}`);
      const deltas = [...paths].map(([p, dir]) =>
        deltaOf(p, dir, samplePathValue(base, p), samplePathValue(sample, p)),
      );
      const worstDrop = Math.max(0, ...deltas.map((d) => (d.relative === null ? 0 : -d.relative)));
      return { sample, baseline: base, failing, deltas, worstDrop, order };
    });
  ranked.sort(
    (a, b) => b.failing.length - a.failing.length || b.worstDrop - a.worstDrop || a.order - b.order,
  );
  return ranked.map(({ order: _order, ...r }) => r);
}

/** Every numeric leaf path of a run's per-sample metrics, as `<metric>.<leaf>`, gated paths first. */
export function perSamplePaths(rec: RunRecord, extra: readonly RunRecord[] = []): string[] {
  const seen = new Set<string>(rec.gates.map((g) => g.metric));
  for (const r of [rec, ...extra]) {
    for (const s of r.samples) {
      for (const [name, values] of Object.entries(s.metrics)) {
        for (const leaf of leafPaths(values)) seen.add(`${name}.${leaf}`);
      }
    }
  }
  return [...seen];
}

export function sampleValues(rec: RunRecord | null, metricPath: string): number[] {
  if (!rec) return [];
  return rec.samples
    .filter((s) => s.error === null)
    .map((s) => samplePathValue(s, metricPath))
    .filter((v): v is number => v !== null);
}

/** Run-level scalar leaves (`<metric>.<leaf>` → value) from the metric summaries. */
export function scalarMetrics(rec: RunRecord): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const [name, summary] of Object.entries(rec.metrics)) {
    for (const leaf of leafPaths(summary.values)) {
      const v = getLeaf(summary.values, leaf);
      out.set(`${name}.${leaf}`, typeof v === 'number' ? v : null);
    }
  }
  return out;
}

/** What a gate compared against, in words. */
export function gateTarget(g: GateResult): string {
  const agg = g.aggregate === 'mean' ? '' : ` (${g.aggregate})`;
  return `${g.op} ${String(g.value)}${agg}`;
}

/** Codecs the major browsers other than Safari cannot play in <video>. */
export function isHevc(codec: string | undefined): boolean {
  return codec !== undefined && /^(hevc|h265|h\.265)$/i.test(codec);
}
