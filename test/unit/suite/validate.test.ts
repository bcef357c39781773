import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SuiteIssue } from '../../../src/errors.js';
import { SPRT_DEFAULTS, sprtParamsSchema } from '../../../src/gates/sprt-params.js';
import {
  REGRESSION_DEFAULTS,
  THRESHOLD_DEFAULTS,
  thresholdParamsSchema,
} from '../../../src/gates/threshold-params.js';
import { loadSuite, validateSuite } from '../../../src/suite/load.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

interface Parts {
  models?: string;
  tests?: string;
  metrics?: string;
  gates: string;
}

const DEFAULTS = {
  models: '  - name: m\n    adapter: mock',
  tests: '  - id: t\n    prompts: [a]',
  metrics: '  - name: vbench_temporal\n  - name: safety_t2v',
};

function suite(p: Parts): string {
  const s = { ...DEFAULTS, ...p };
  return `version: 1\nproject: p\nsuite_name: s\nmodels:\n${s.models}\ntests:\n${s.tests}\nmetrics:\n${s.metrics}\ngates:\n${s.gates}\n`;
}

async function check(p: Parts, extra: Record<string, string> = {}): Promise<SuiteIssue[]> {
  const dir = await tempTree({ 's.yaml': suite(p), ...extra });
  return (await validateSuite(path.join(dir, 's.yaml'), testRegistries)).issues;
}

const brief = (issues: SuiteIssue[]) => issues.map((i) => [i.path, i.line, i.hint ?? null]);

describe('gate checks', () => {
  it('checks sprt params strictly, with positions inside params', async () => {
    const issues = await check({
      gates: `  - metric: vbench_temporal.score
    op: "=="
    value: 0.5
    method: sprt_regression
    params:
      alpha: 0.7
      alfa: 0.1
      sigma_mode: fixed
      baseline_missing: skip
      require_baseline: true`,
    });
    expect(brief(issues)).toEqual([
      ['gates[0].op', 15, null],
      ['gates[0].params.sigma', 19, null], // missing: points at the params mapping (its first key)
      ['gates[0].params.alpha', 19, null],
      ['gates[0].params.alfa', 20, 'did you mean `alpha`?'],
      ['gates[0].params.baseline_missing', 22, null],
    ]);
  });

  it('checks threshold params and gate options', async () => {
    const issues = await check({
      gates: `  - metric: safety_t2v.violations
    op: "<="
    value: "3"
    aggregate: p90
    window: 2
    min_failures: 3
    params:
      min_absolute_change: -1`,
    });
    expect(brief(issues)).toEqual([
      ['gates[0].value', 16, 'remove the quotes around the number'],
      ['gates[0].aggregate', 17, null],
      ['gates[0].min_failures', 19, 'lower min_failures or widen window'],
      ['gates[0].params.min_absolute_change', 21, null],
    ]);
  });

  it('rejects sprt on a run-level path and a metric not listed in the suite', async () => {
    const issues = await check({
      metrics: '  - name: safety_t2v',
      gates: `  - metric: safety_t2v.violations
    op: "<="
    value: 1
    method: sprt_regression
  - metric: vbench_temporal.score
    op: ">="
    value: 1`,
    });
    expect(issues.map((i) => i.message)).toEqual([
      'sprt_regression pairs per-sample values; safety_t2v.violations is run-level',
      'gate metric "vbench_temporal" is not listed under `metrics:`',
    ]);
    expect(issues[1]!.hint).toBe('add it to `metrics:` (listed: safety_t2v)');
  });

  it('accepts a valid sprt gate and fills the defaults', async () => {
    const dir = await tempTree({
      's.yaml': suite({
        gates:
          '  - metric: vbench_temporal.dims.motion_smoothness\n    op: ">="\n    value: 0.4\n    method: sprt_regression',
      }),
    });
    const s = await loadSuite(path.join(dir, 's.yaml'), testRegistries);
    expect(sprtParamsSchema.parse(s.config.gates[0]!.params)).toMatchObject(SPRT_DEFAULTS);
  });
});

describe('models, metrics, tests', () => {
  it('checks adapter and metric params, module paths and duplicate names', async () => {
    const issues = await check(
      {
        models: `  - name: m
    adapter: mock
    params:
      noise_scale: -1
      noise_scal: 1
  - name: m
    adapter: ./adapters/missing.js
  - name: ok
    adapter: ./adapters/real.js`,
        tests: '  - id: t\n    prompts: [a]\n  - id: t\n    prompts: [b]',
        metrics: '  - name: vbench_temporal\n    params:\n      dims: [flicker]\n  - name: vbench_temporal',
        gates: '  - metric: vbench_temporal.score\n    op: ">="\n    value: 0',
      },
      { 'adapters/real.js': 'export default {};\n' },
    );
    expect(brief(issues)).toEqual([
      ['models[0].params.noise_scale', 8, null],
      ['models[0].params.noise_scal', 9, 'did you mean `noise_scale`?'],
      ['models[1].name', 10, 'rename one of them; each entry of models needs its own name'],
      ['models[1].adapter', 11, 'module paths are resolved relative to the suite file folder'],
      ['tests[1].id', 17, 'rename one of them; each entry of tests needs its own id'],
      ['metrics[0].params.dims[0]', 22, null],
      ['metrics[1].name', 23, 'rename one of them; each entry of metrics needs its own name'],
    ]);
    expect(issues[2]!.found).toBe('string "m", already used at line 5');
  });

  it('expands resolution and reports a conflict with width/height', async () => {
    const ok = await tempTree({
      's.yaml': suite({
        tests:
          '  - id: t\n    prompts: [a]\n    video:\n      resolution: "640x360"\n  - id: u\n    prompts: [a]',
        gates: '  - metric: vbench_temporal.score\n    op: ">="\n    value: 0',
      }),
    });
    const s = await loadSuite(path.join(ok, 's.yaml'), testRegistries);
    expect(s.tests.map((t) => t.video)).toEqual([
      { num_frames: 25, fps: 8, width: 640, height: 360 },
      { num_frames: 25, fps: 8, width: 256, height: 256 },
    ]);
    const issues = await check({
      tests: '  - id: t\n    prompts: [a]\n    video:\n      resolution: 512\n      width: 640',
      gates: '  - metric: vbench_temporal.score\n    op: ">="\n    value: 0',
    });
    expect(brief(issues)).toEqual([
      ['tests[0].video.resolution', 11, 'give either resolution or width/height, not both'],
    ]);
  });
});

describe('gate param schemas', () => {
  it('threshold: both floors default and must be >= 0', () => {
    expect(thresholdParamsSchema.parse({})).toEqual({
      ...THRESHOLD_DEFAULTS,
      ...REGRESSION_DEFAULTS,
      allow_not_evaluated: false,
    });
    expect(REGRESSION_DEFAULTS).toEqual({ regression_test: 'auto', alpha: 0.05, min_pairs: 3 });
    expect(THRESHOLD_DEFAULTS).toEqual({ min_absolute_change: 1e-6, min_relative_change: 0.01 });
    expect(thresholdParamsSchema.safeParse({ min_relative_change: -0.1 }).success).toBe(false);
    expect(thresholdParamsSchema.safeParse({ other: 1 }).success).toBe(false);
  });

  it('sprt: bounds and cross-field rules', () => {
    const bad = (p: Record<string, unknown>) => !sprtParamsSchema.safeParse(p).success;
    expect(bad({ alpha: 0 })).toBe(true);
    expect(bad({ beta: 0.5 })).toBe(true);
    expect(bad({ effect_size: 0 })).toBe(true);
    expect(bad({ min_pairs: 1 })).toBe(true);
    expect(bad({ min_paired_ratio: 0 })).toBe(true);
    expect(bad({ min_paired_ratio: 1.01 })).toBe(true);
    expect(bad({ inconclusive: 'skip' })).toBe(true);
    expect(bad({ sigma: 0 })).toBe(true);
    expect(bad({ max_pairs: 4 })).toBe(true); // below the default min_pairs 6
    expect(bad({ sigma_mode: 'fixed', sigma: 0.04 })).toBe(false);
    expect(bad({ baseline_missing: 'skip', require_baseline: false })).toBe(false);
    expect(bad({ pairing_mode: 'legacy', max_pairs: 6 })).toBe(false);
  });
});
