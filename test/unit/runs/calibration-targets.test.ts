import { describe, expect, it } from 'vitest';
import { calibrationTargets, filePositions } from '../../../src/runs/calibration-targets.js';
import { applyCalibrationText } from '../../../src/suite/apply-calibration.js';
import { validateSuiteBytes } from '../../../src/suite/load.js';
import type { LoadedSuite } from '../../../src/suite/types.js';

const sprtGate = (metric: string, params: string) => `  - metric: ${metric}
    op: ">="
    value: 0.1
    method: sprt_regression
    params: ${params}
`;
const smooth = sprtGate('vbench_temporal.dims.motion_smoothness', '{ sigma: 0.05, effect_size: 0.01 }');
const flicker = sprtGate(
  'vbench_temporal.dims.temporal_flicker',
  '{ sigma_mode: estimate, effect_size: 0.02 }',
);
const preset = '  - preset: video_regression@1\n';

function suiteText(gates: string): string {
  return `version: 1
project: p
suite_name: s
models: [{ name: m, adapter: mock }]
tests:
  - id: t
    prompts: ["a red ball"]
    seeds: [0]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness"] }
gates:
${gates}`;
}

async function load(text: string): Promise<LoadedSuite> {
  const { suite, issues } = await validateSuiteBytes('suite.yaml', new TextEncoder().encode(text));
  if (!suite) throw new Error(issues.map((i) => `${i.line}: ${i.message}`).join('\n'));
  return suite;
}

describe('calibration targets', () => {
  it('names each sprt gate by its position in the file, with the preset before, between or after', async () => {
    for (const [gates, expected] of [
      [preset + smooth + flicker, [1, 2]],
      [smooth + preset + flicker, [0, 2]],
      [smooth + flicker + preset, [0, 1]],
    ] as const) {
      const suite = await load(suiteText(gates));
      // The preset adds 7 gates: the loaded list is longer than the file's.
      expect(suite.config.gates).toHaveLength(9);
      const targets = calibrationTargets(suite, undefined);
      expect(targets.map((t) => t.ref.index)).toEqual(expected);
      expect(targets.map((t) => t.ref.metric)).toEqual([
        'vbench_temporal.dims.motion_smoothness',
        'vbench_temporal.dims.temporal_flicker',
      ]);
      expect(targets.map((t) => t.params.effect_size)).toEqual([0.01, 0.02]);
    }
  });

  it('maps preset gates to no position of their own', async () => {
    const suite = await load(suiteText(preset + smooth));
    expect(filePositions(suite)).toEqual([null, null, null, null, null, null, null, 1]);
  });

  it('selects the gates on --gate-metric, and says which ones exist otherwise', async () => {
    const suite = await load(suiteText(preset + smooth + flicker));
    expect(
      calibrationTargets(suite, 'vbench_temporal.dims.temporal_flicker').map((t) => t.ref.index),
    ).toEqual([2]);
    expect(() => calibrationTargets(suite, 'sharpness.mean')).toThrow(
      /no sprt_regression gate on sharpness.mean/,
    );
    const none = await load(suiteText(preset));
    expect(() => calibrationTargets(none, undefined)).toThrow(/no sprt_regression gate to calibrate/);
  });

  it('lets apply write each gate into its own YAML node when a preset comes first', async () => {
    const text = suiteText(preset + smooth + flicker);
    const suite = await load(text);
    const out = calibrationTargets(suite, undefined).reduce(
      (t, g, i) =>
        applyCalibrationText(t, 'suite.yaml', g.ref.metric, g.ref.index, {
          sigma: 0.02 + i,
          min_pairs: 7 + i,
        }),
      text,
    );
    expect(out).toBe(
      text
        .replace(
          '{ sigma: 0.05, effect_size: 0.01 }',
          '{ sigma: 0.02, effect_size: 0.01, sigma_mode: fixed, min_pairs: 7 }',
        )
        .replace(
          '{ sigma_mode: estimate, effect_size: 0.02 }',
          '{ sigma_mode: fixed, effect_size: 0.02, sigma: 1.02, min_pairs: 8 }',
        ),
    );
    expect((await load(out)).config.gates).toHaveLength(9);
  });
});
