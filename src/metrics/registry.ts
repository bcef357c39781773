import { TemporalCIError } from '../errors.js';
import { colorfulness } from './colorfulness.js';
import { dynamicDegree } from './dynamic-degree.js';
import { exposure } from './exposure.js';
import { externalJudge } from './external-judge/index.js';
import { t2vsafetybenchOfficial } from './external-judge/t2vsafetybench.js';
import { frameConsistency } from './frame-consistency.js';
import { freezeRatio } from './freeze-ratio.js';
import { latency } from './latency.js';
import { logRegex } from './log-regex.js';
import { psnr } from './psnr.js';
import { safetyT2v } from './safety/index.js';
import { promptPolicy } from './safety/prompt-policy-metric.js';
import { refusal } from './safety/refusal.js';
import { sceneCuts } from './scene-cuts.js';
import { sceneScore } from './scene-score.js';
import { sharpness } from './sharpness.js';
import { si } from './si.js';
import { ssim } from './ssim.js';
import { ti } from './ti.js';
import type { MetricDefinition } from './types.js';
import { vbenchOfficial } from './vbench-official/index.js';
import { vbenchTemporal } from './vbench-temporal.js';
import { vmafMotion } from './vmaf-motion.js';
import { vsBaselineMetric } from './vs-baseline.js';
import { warpingError } from './warping-error.js';

/**
 * Every metric, keyed by the name a suite uses. Adding a metric is one file plus one line here.
 * The key list is a closed set: `MetricName` is derived from it, so a missing handler is a compile error.
 */
export const METRICS = {
  colorfulness,
  dynamic_degree: dynamicDegree,
  exposure,
  frame_consistency: frameConsistency,
  freeze_ratio: freezeRatio,
  scene_cuts: sceneCuts,
  sharpness,
  external_judge: externalJudge,
  latency,
  log_regex: logRegex,
  psnr,
  prompt_policy: promptPolicy,
  refusal,
  safety_t2v: safetyT2v,
  t2vsafetybench_official: t2vsafetybenchOfficial,
  scene_score: sceneScore,
  si,
  ssim,
  ti,
  vbench_official: vbenchOfficial,
  vbench_temporal: vbenchTemporal,
  vmaf_motion: vmafMotion,
  vs_baseline: vsBaselineMetric,
  warping_error: warpingError,
} satisfies Record<string, MetricDefinition<Record<string, unknown>>>;

type MetricName = keyof typeof METRICS;

export function metricNames(): string[] {
  return Object.keys(METRICS).sort();
}

export function findMetric(name: string): MetricDefinition<Record<string, unknown>> | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(METRICS, key)
    ? (METRICS[key as MetricName] as unknown as MetricDefinition<Record<string, unknown>>)
    : undefined;
}

export function getMetric(name: string): MetricDefinition<Record<string, unknown>> {
  const def = findMetric(name);
  if (!def) {
    throw new TemporalCIError('METRIC_UNKNOWN', `unknown metric "${name}"`, {
      hint: `known metrics: ${metricNames().join(', ')} (see \`temporalci list\`)`,
    });
  }
  return def;
}
