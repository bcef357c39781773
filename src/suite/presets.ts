import type { GateConfig, MetricConfig } from '../schema/suite.js';

/**
 * Versioned gate presets: a documented set of gates that catches every kind of visible regression the mock
 * can inject, and passes the changes that are not regressions. A suite opts in with one line,
 * `gates: [{ preset: video_regression }]` (the newest version) or `video_regression@1` (pinned, so an
 * upgrade of TemporalCI never changes a suite's verdicts by itself).
 *
 * Why more than the headline score: `vbench_temporal.score` rises under blur, freezing and heavy
 * compression (smoother, more similar frames score better), and a colour shift moves no directional
 * no-reference metric at all. VBench pairs its temporal scores with dynamic degree for the same reason.
 * Each gate below says what it catches; README ("Default gates") has the table and the measured values.
 */
interface GatePreset {
  name: string;
  version: number;
  description: string;
  /** Metrics the gates read, with the params they need (added to the suite when it does not list them). */
  metrics: MetricConfig[];
  gates: GateConfig[];
}

const gate = (g: Pick<GateConfig, 'metric' | 'op' | 'value'> & Partial<GateConfig>): GateConfig => ({
  method: 'threshold',
  aggregate: 'mean',
  params: {},
  window: 0,
  ...g,
});

const VIDEO_REGRESSION_1: GatePreset = {
  name: 'video_regression',
  version: 1,
  description:
    'temporal flicker and motion smoothness (noise, flicker), frozen frames (judder, freezes), sharpness ' +
    '(blur, heavy compression), and the candidate against its baseline video: SSIM (noise, compression, ' +
    'freezes), colour drift (colour shifts, flicker) and the motion profile (judder, dropped frames)',
  metrics: [
    { name: 'vbench_temporal', params: { dims: ['temporal_flicker', 'motion_smoothness'] } },
    { name: 'freeze_ratio', params: {} },
    { name: 'sharpness', params: {} },
    { name: 'vs_baseline', params: {} },
  ],
  gates: [
    // Noise and flicker lower both VBench temporal dims by 2–4 %; a re-encode or another seed moves them by
    // < 0.3 %. The absolute floor catches a broken model on its first run, the regression check the rest.
    gate({ metric: 'vbench_temporal.dims.temporal_flicker', op: '>=', value: 0.9 }),
    gate({ metric: 'vbench_temporal.dims.motion_smoothness', op: '>=', value: 0.9 }),
    // A share of frozen frame pairs: judder 2 adds 0.5, a freeze after frame 8 of 25 adds 0.67; a crf 26
    // re-encode of near-static content makes up to a sixth of the pairs identical, so the floor is 0.3.
    gate({
      metric: 'freeze_ratio.ratio',
      op: '<=',
      value: 1,
      params: { min_absolute_change: 0.3 },
    }),
    // Content-scaled (the variance of the Laplacian spans decades across prompts): compared per sample as a
    // ratio. Blur 1.5 px removes ~60 %, crf 46 ~75 %; a crf 26 re-encode removes the grain, ~30 %.
    gate({
      metric: 'sharpness.mean',
      op: '>',
      value: 0,
      params: { min_relative_change: 0.45 },
    }),
    // Against the baseline video of the same sample: 1 = identical. Noise 8 gives 0.72, a freeze 0.89,
    // crf 46 0.93; crf 26 0.98, gamma 1.02 0.99.
    gate({ metric: 'vs_baseline.ssim', op: '>=', value: 0.95 }),
    // CIEDE2000 of tile colours: colour shift [18, −8, −8] gives 6–10, flicker 6 gives 2.2; crf 26 0.5.
    gate({ metric: 'vs_baseline.delta_e', op: '<=', value: 1.5 }),
    // Motion profile distance: judder 0.7–1.0, dropped frames (25 %) 0.34–0.50; crf 26 0.03–0.27 (mean 0.08).
    gate({ metric: 'vs_baseline.temporal_profile', op: '<=', value: 0.2 }),
  ],
};

/** Every version of every preset; the newest version of a name is what the bare name means. */
const GATE_PRESETS: readonly GatePreset[] = [VIDEO_REGRESSION_1];

export const PRESET_NAMES = [
  ...new Set(GATE_PRESETS.flatMap((p) => [p.name, `${p.name}@${p.version}`])),
] as readonly string[];

function findPreset(ref: string): GatePreset | undefined {
  const [name, version] = ref.split('@');
  const versions = GATE_PRESETS.filter((p) => p.name === name);
  if (version === undefined) return versions.sort((a, b) => b.version - a.version)[0];
  return versions.find((p) => String(p.version) === version);
}

/** Where each gate of the expanded list came from: its index in the file, and whether a preset wrote it. */
interface GateSource {
  index: number;
  preset: boolean;
}

export interface PresetExpansion {
  /** The suite data with every `{ preset: … }` gate replaced by the preset's gates, and its metrics added. */
  data: unknown;
  /** Maps a path in the expanded data back to the file: a preset's gate points at its `preset:` line. */
  toSource: (path: readonly (string | number)[]) => readonly (string | number)[];
  /** `{ preset: … }` entries that name no preset. */
  unknown: { index: number; name: string }[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A gates entry that opts into a preset: `{ preset: name }` and nothing else. */
function presetRef(item: unknown): string | undefined {
  if (!isObject(item) || !('preset' in item) || Object.keys(item).length !== 1) return undefined;
  return typeof item.preset === 'string' ? item.preset : undefined;
}

/**
 * Expands gate presets in raw suite data, before the schema and the registries check it (so the preset's
 * gates are validated like hand-written ones). A metric the preset needs is added with the preset's params
 * when the suite does not list it; a listed one keeps the suite's params (the gates then check its paths).
 */
export function expandPresets(data: unknown): PresetExpansion {
  const identity = { data, toSource: (p: readonly (string | number)[]) => p, unknown: [] };
  if (!isObject(data) || !Array.isArray(data.gates)) return identity;
  const refs = data.gates.map(presetRef);
  if (refs.every((r) => r === undefined)) return identity;
  const gates: unknown[] = [];
  const sources: GateSource[] = [];
  const unknown: { index: number; name: string }[] = [];
  const metrics: unknown[] = Array.isArray(data.metrics) ? [...data.metrics] : [];
  const listed = new Set(metrics.filter(isObject).map((m) => m.name));
  data.gates.forEach((item, index) => {
    const ref = refs[index];
    if (ref === undefined) {
      gates.push(item);
      sources.push({ index, preset: false });
      return;
    }
    const preset = findPreset(ref);
    if (preset === undefined) {
      unknown.push({ index, name: ref });
      return;
    }
    for (const g of preset.gates) {
      gates.push(structuredClone(g));
      sources.push({ index, preset: true });
    }
    for (const m of preset.metrics) {
      if (listed.has(m.name)) continue;
      listed.add(m.name);
      metrics.push(structuredClone(m));
    }
  });
  const toSource = (path: readonly (string | number)[]): readonly (string | number)[] => {
    if (path[0] !== 'gates' || typeof path[1] !== 'number') return path;
    const src = sources[path[1]];
    if (src === undefined) return path;
    return src.preset ? ['gates', src.index, 'preset'] : ['gates', src.index, ...path.slice(2)];
  };
  return { data: { ...data, gates, metrics }, toSource, unknown };
}
