import { type RankedSample, rankSamples as rankRunSamples, samplePathValue } from '../gates/ranking.js';
import type { GateResult, RunRecord, SampleRecord } from '../schema/run.js';
import { getLeaf, leafPaths } from '../schema/values.js';

/** Pure views over run records, shared by the run report, compare, the step summary and JUnit. */

/**
 * A run's measured samples in THE ranking (src/gates/ranking.ts): the order retention kept videos in, so the
 * report's first cards are samples whose videos exist.
 */
export function rankSamples(rec: RunRecord, baseline: RunRecord | null): RankedSample<SampleRecord>[] {
  return rankRunSamples(rec.samples, rec.gates, baseline?.samples ?? null);
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
