import { TemporalCIError } from '../errors.js';
import { colorfulnessMeta } from './colorfulness.meta.js';
import { dynamicDegreeMeta } from './dynamic-degree.meta.js';
import { exposureMeta } from './exposure.meta.js';
import { externalJudgeMeta } from './external-judge/index.meta.js';
import { t2vsafetybenchOfficialMeta } from './external-judge/t2vsafetybench.meta.js';
import { frameConsistencyMeta } from './frame-consistency.meta.js';
import { freezeRatioMeta } from './freeze-ratio.meta.js';
import { latencyMeta } from './latency.meta.js';
import { logRegexMeta } from './log-regex.meta.js';
import { psnrMeta } from './psnr.meta.js';
import { safetyT2vMeta } from './safety/index.meta.js';
import { promptPolicyMeta } from './safety/prompt-policy-metric.meta.js';
import { refusalMeta } from './safety/refusal.meta.js';
import { sceneCutsMeta } from './scene-cuts.meta.js';
import { sceneScoreMeta } from './scene-score.meta.js';
import { sharpnessMeta } from './sharpness.meta.js';
import { siMeta } from './si.meta.js';
import { ssimMeta } from './ssim.meta.js';
import { tiMeta } from './ti.meta.js';
import type { MetricDefinition, MetricMeta } from './types.js';
import { vbenchOfficialMeta } from './vbench-official/index.meta.js';
import { vbenchTemporalMeta } from './vbench-temporal.meta.js';
import { vmafMotionMeta } from './vmaf-motion.meta.js';
import { vsBaselineMetricMeta } from './vs-baseline.meta.js';
import { warpingErrorMeta } from './warping-error.meta.js';

/** A metric as the registry holds it: its metadata, and its implementation, imported on first use. */
interface MetricEntry<P> {
  meta: MetricMeta<P>;
  load: () => Promise<MetricDefinition<P>>;
}

/** Ties the metadata and the implementation to one params type, so they cannot drift apart. */
function entry<P>(meta: MetricMeta<P>, load: () => Promise<MetricDefinition<P>>): MetricEntry<P> {
  return { meta, load };
}

/**
 * Every metric, keyed by the name a suite uses. Adding a metric is a metadata module, an implementation
 * and one line here. Validation reads only `meta` (no kernel, decoder or model is imported by
 * `temporalci validate`); a run loads the implementations it measures with. The key list is a closed set:
 * `MetricName` is derived from it, so a missing entry is a compile error.
 */
export const METRICS = {
  colorfulness: entry(colorfulnessMeta, async () => (await import('./colorfulness.js')).colorfulness),
  dynamic_degree: entry(dynamicDegreeMeta, async () => (await import('./dynamic-degree.js')).dynamicDegree),
  exposure: entry(exposureMeta, async () => (await import('./exposure.js')).exposure),
  frame_consistency: entry(
    frameConsistencyMeta,
    async () => (await import('./frame-consistency.js')).frameConsistency,
  ),
  freeze_ratio: entry(freezeRatioMeta, async () => (await import('./freeze-ratio.js')).freezeRatio),
  scene_cuts: entry(sceneCutsMeta, async () => (await import('./scene-cuts.js')).sceneCuts),
  sharpness: entry(sharpnessMeta, async () => (await import('./sharpness.js')).sharpness),
  external_judge: entry(
    externalJudgeMeta,
    async () => (await import('./external-judge/index.js')).externalJudge,
  ),
  latency: entry(latencyMeta, async () => (await import('./latency.js')).latency),
  log_regex: entry(logRegexMeta, async () => (await import('./log-regex.js')).logRegex),
  psnr: entry(psnrMeta, async () => (await import('./psnr.js')).psnr),
  prompt_policy: entry(
    promptPolicyMeta,
    async () => (await import('./safety/prompt-policy-metric.js')).promptPolicy,
  ),
  refusal: entry(refusalMeta, async () => (await import('./safety/refusal.js')).refusal),
  safety_t2v: entry(safetyT2vMeta, async () => (await import('./safety/index.js')).safetyT2v),
  t2vsafetybench_official: entry(
    t2vsafetybenchOfficialMeta,
    async () => (await import('./external-judge/t2vsafetybench.js')).t2vsafetybenchOfficial,
  ),
  scene_score: entry(sceneScoreMeta, async () => (await import('./scene-score.js')).sceneScore),
  si: entry(siMeta, async () => (await import('./si.js')).si),
  ssim: entry(ssimMeta, async () => (await import('./ssim.js')).ssim),
  ti: entry(tiMeta, async () => (await import('./ti.js')).ti),
  vbench_official: entry(
    vbenchOfficialMeta,
    async () => (await import('./vbench-official/index.js')).vbenchOfficial,
  ),
  vbench_temporal: entry(
    vbenchTemporalMeta,
    async () => (await import('./vbench-temporal.js')).vbenchTemporal,
  ),
  vmaf_motion: entry(vmafMotionMeta, async () => (await import('./vmaf-motion.js')).vmafMotion),
  vs_baseline: entry(vsBaselineMetricMeta, async () => (await import('./vs-baseline.js')).vsBaselineMetric),
  warping_error: entry(warpingErrorMeta, async () => (await import('./warping-error.js')).warpingError),
};

type MetricName = keyof typeof METRICS;
type AnyEntry = MetricEntry<Record<string, unknown>>;

function entryOf(name: string): AnyEntry | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(METRICS, key) ? (METRICS[key as MetricName] as unknown as AnyEntry) : undefined;
}

export function metricNames(): string[] {
  return Object.keys(METRICS).sort();
}

/** The metadata of a metric (params, paths, directions): all a suite check needs, without its code. */
export function findMetric(name: string): MetricMeta<Record<string, unknown>> | undefined {
  return entryOf(name)?.meta;
}

const loaded = new Map<string, MetricDefinition<Record<string, unknown>>>();

/** The implementation of a metric, imported on first use (METRIC_UNKNOWN for a name no metric has). */
export async function loadMetric(name: string): Promise<MetricDefinition<Record<string, unknown>>> {
  const e = entryOf(name);
  if (!e) {
    throw new TemporalCIError('METRIC_UNKNOWN', `unknown metric "${name}"`, {
      hint: `known metrics: ${metricNames().join(', ')} (see \`temporalci list\`)`,
    });
  }
  const key = e.meta.name;
  let def = loaded.get(key);
  if (def === undefined) {
    def = await e.load();
    loaded.set(key, def);
  }
  return def;
}

/** An implementation already loaded by `loadMetric`, for synchronous callers that run after it. */
export function loadedMetric(name: string): MetricDefinition<Record<string, unknown>> | undefined {
  const e = entryOf(name);
  return e === undefined ? undefined : loaded.get(e.meta.name);
}
