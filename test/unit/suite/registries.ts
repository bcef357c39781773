import { z } from 'zod';
import type { AdapterDefinition } from '../../../src/adapters/types.js';
import { TemporalCIError } from '../../../src/errors.js';
import { freezeRatio } from '../../../src/metrics/freeze-ratio.js';
import { sharpness } from '../../../src/metrics/sharpness.js';
import type { MetricDefinition } from '../../../src/metrics/types.js';
import { vsBaselineMetric } from '../../../src/metrics/vs-baseline.js';
import type { MetricValues } from '../../../src/schema/values.js';
import type { SuiteRegistries } from '../../../src/suite/validate.js';

/**
 * Small, real definitions with the param shapes of the original's mock adapter and metrics, so the suite
 * tests do not depend on (or mutate) the real registries that other modules fill in.
 */

const mock: AdapterDefinition<Record<string, unknown>> = {
  name: 'mock',
  description: 'validation-test adapter with the mock params',
  params: z
    .object({
      quality_shift: z.number().default(0),
      noise_scale: z.number().min(0).default(0.06),
      sleep_sec: z.number().min(0).default(0),
    })
    .strict(),
  create: (_params, ctx) => ({
    name: ctx.modelName,
    generate: () =>
      Promise.reject(
        new TemporalCIError('ADAPTER_FAILED', 'the suite-test adapter only takes part in validation'),
      ),
  }),
};

const DIMS = ['temporal_flicker', 'motion_smoothness', 'subject_consistency'] as const;

/** Counts frames; enough to be a working accumulator without pulling in the real kernels. */
function frameCounter(key: string) {
  let n = 0;
  return {
    push: () => {
      n++;
    },
    finish: (): MetricValues => ({ [key]: n }),
  };
}

const vbenchTemporal = {
  name: 'vbench_temporal',
  description: 'validation-test metric with paths score and dims.*',
  params: z
    .object({
      dims: z
        .array(z.enum(DIMS))
        .min(1)
        .default([...DIMS]),
    })
    .strict(),
  paths: (p: { dims: string[] }) => ['score', ...p.dims.map((d) => `dims.${d}`)],
  higherIsBetter: () => true,
  readsPixels: true,
  create: () => frameCounter('score'),
};

const safetyT2v = {
  name: 'safety_t2v',
  description: 'validation-test metric with summary path violations',
  params: z
    .object({ prompt_set: z.string().optional(), policies: z.array(z.string()).default(['violence']) })
    .strict(),
  paths: () => ['flagged'],
  summaryPaths: () => ['violations', 'violation_rate'],
  higherIsBetter: () => false,
  readsPixels: false,
  create: () => frameCounter('flagged'),
};

const t2vOfficial = {
  name: 't2vsafetybench_official',
  description: 'validation-test metric with summary path violations',
  params: z
    .object({
      suite_root: z.string().optional(),
      prompt_set: z.enum(['tiny', 'full']).default('tiny'),
      classes: z.array(z.number().int()).optional(),
    })
    .strict(),
  paths: () => ['member'],
  summaryPaths: () => ['violations'],
  higherIsBetter: () => false,
  readsPixels: false,
  create: () => frameCounter('member'),
};

// The default gate preset reads these three; the real definitions (their params and paths are all it needs).
const METRICS = Object.fromEntries(
  [vbenchTemporal, safetyT2v, t2vOfficial, freezeRatio, sharpness, vsBaselineMetric].map((m) => [
    m.name,
    m as unknown as MetricDefinition<Record<string, unknown>>,
  ]),
);

export const testRegistries: SuiteRegistries = {
  findAdapter: (name) => (name === 'mock' ? mock : undefined),
  isModulePath: (name) => name.startsWith('.') || name.startsWith('/') || /\.(m?js|ts)$/.test(name),
  findMetric: (name) => METRICS[name.toLowerCase()],
  adapterNames: () => ['mock'],
  metricNames: () => Object.keys(METRICS).sort(),
};
