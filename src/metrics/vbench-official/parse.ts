import { TemporalCIError } from '../../errors.js';

/**
 * Reading VBench's `{name}_eval_results.json` (metrics.md §1.3–1.5), pure. The file maps each dimension to
 * `[aggregate, per_video]`, `per_video` being a list of `{video_path, video_results, …}`. Scale traps handled
 * here so per-sample values share the aggregate's scale:
 * - imaging_quality: per video the raw MUSIQ mean in [0, 100], the aggregate divided by 100 → per video /100;
 * - dynamic_degree and human_action: per video a boolean → 1/0 (the aggregate is the fraction of true);
 * - subject/background_consistency (and appearance_style): the aggregate is frame-weighted, not the mean of
 *   per-video values; it is reported as VBench's `aggregate.<dim>` next to our per-sample mean, never mixed.
 */

export const VBENCH_DIMENSIONS = [
  'subject_consistency',
  'background_consistency',
  'aesthetic_quality',
  'imaging_quality',
  'object_class',
  'multiple_objects',
  'color',
  'spatial_relationship',
  'scene',
  'temporal_style',
  'overall_consistency',
  'human_action',
  'temporal_flickering',
  'motion_smoothness',
  'dynamic_degree',
  'appearance_style',
] as const;

export type VbenchDimension = (typeof VBENCH_DIMENSIONS)[number];

/** Dimensions VBench's custom_input mode asserts against: they need `auxiliary_info` from its prompt suite. */
export const CUSTOM_INPUT_REFUSED: readonly VbenchDimension[] = [
  'object_class',
  'multiple_objects',
  'scene',
  'appearance_style',
  'color',
  'spatial_relationship',
];

const PER_VIDEO_PERCENT: ReadonlySet<VbenchDimension> = new Set(['imaging_quality']);
const PER_VIDEO_BOOLEAN: ReadonlySet<VbenchDimension> = new Set(['dynamic_degree', 'human_action']);

export interface DimensionResult {
  aggregate: number;
  /** Per video file name (basename): the value on the aggregate's scale. */
  perVideo: Map<string, number>;
}

const HINT =
  'pass the {name}_eval_results.json that VBench wrote (a dict: dimension → [aggregate, per_video])';

function bad(file: string, message: string): never {
  throw new TemporalCIError('METRIC_FAILED', `VBench results ${file}: ${message}`, { hint: HINT, file });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

function perVideoValue(dim: VbenchDimension, raw: unknown, where: string, file: string): number {
  if (PER_VIDEO_BOOLEAN.has(dim)) {
    if (typeof raw === 'boolean') return raw ? 1 : 0;
    if (raw === 0 || raw === 1) return raw;
    bad(file, `${where}: ${dim} video_results must be a boolean, got ${JSON.stringify(raw)}`);
  }
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    bad(file, `${where}: video_results must be a number, got ${JSON.stringify(raw)}`);
  }
  if (PER_VIDEO_PERCENT.has(dim)) {
    if (raw < 0 || raw > 100)
      bad(file, `${where}: imaging_quality per video is a MUSIQ score in [0, 100], got ${raw}`);
    return raw / 100;
  }
  return raw;
}

/** Parses the requested dimensions out of the results JSON text; a requested dimension that is absent is an error. */
export function parseVbenchResults(
  text: string,
  dimensions: readonly VbenchDimension[],
  file: string,
): Map<VbenchDimension, DimensionResult> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) bad(file, 'expected a JSON object keyed by dimension');
  const out = new Map<VbenchDimension, DimensionResult>();
  for (const dim of dimensions) {
    const entry = doc[dim];
    if (entry === undefined)
      bad(file, `no results for dimension ${dim} (has: ${Object.keys(doc).join(', ') || 'none'})`);
    if (!Array.isArray(entry) || entry.length < 2) bad(file, `${dim} must be [aggregate, per_video]`);
    const [aggregate, perVideoList] = entry as unknown[];
    if (typeof aggregate !== 'number' || !Number.isFinite(aggregate))
      bad(file, `${dim} aggregate must be a number`);
    if (!Array.isArray(perVideoList)) bad(file, `${dim} per_video must be a list`);
    const perVideo = new Map<string, number>();
    for (const [i, item] of perVideoList.entries()) {
      const where = `${dim}[1][${i}]`;
      if (!isRecord(item) || typeof item.video_path !== 'string') bad(file, `${where} needs a video_path`);
      const name = basename(item.video_path);
      if (perVideo.has(name)) bad(file, `${where}: a second result for video ${name}`);
      perVideo.set(name, perVideoValue(dim, item.video_results, where, file));
    }
    out.set(dim, { aggregate, perVideo });
  }
  return out;
}

/**
 * VBench's file names for our samples: `{prompt}-{i}.mp4`, i counting the samples of one prompt in seed
 * order (0–4 in the standard suite). In custom_input mode VBench reads the prompt back from this name by
 * stripping `-{i}`, so the same layout serves both modes.
 */
export function vbenchFileNames(
  samples: readonly { sampleId: string; prompt: string; seed: number }[],
  ext = '.mp4',
): Map<string, string> {
  const byPrompt = new Map<string, { sampleId: string; seed: number }[]>();
  for (const s of samples) {
    if (/[/\\\0]/.test(s.prompt) || Buffer.byteLength(s.prompt) > 240) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `vbench_official: prompt "${s.prompt.slice(0, 60)}" cannot be a file name`,
        {
          hint: 'VBench names videos after their prompt: prompts must have no / or \\ and fit in 240 bytes',
        },
      );
    }
    const list = byPrompt.get(s.prompt) ?? [];
    list.push(s);
    byPrompt.set(s.prompt, list);
  }
  const out = new Map<string, string>();
  for (const [prompt, list] of byPrompt) {
    list.sort((a, b) => a.seed - b.seed || a.sampleId.localeCompare(b.sampleId));
    for (const [i, s] of list.entries()) out.set(s.sampleId, `${prompt}-${i}${ext}`);
  }
  return out;
}
