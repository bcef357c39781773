import { TemporalCIError } from '../../errors.js';

/**
 * Reading VBench's `<name>_eval_results.json` (metrics.md §1.3–1.5), pure. The file maps each dimension to
 * `[aggregate, per_video]`, `per_video` being a list of `{video_path, video_results, …}`. Scale traps handled
 * here so per-sample values share the aggregate's scale:
 * - imaging_quality: per video the raw MUSIQ mean in [0, 100], the aggregate divided by 100 → per video /100;
 * - dynamic_degree and human_action: per video a boolean → 1/0 (the aggregate is the fraction of true);
 * - subject/background_consistency (and appearance_style): the aggregate is frame-weighted, not the mean of
 *   per-video values; it is reported as VBench's `aggregate.<dim>` next to our per-sample mean, never mixed.
 *
 * VBench writes the file with Python's `json.dump`, which emits `NaN`, `Infinity` and `-Infinity` (e.g.
 * temporal_flickering's `np.mean([])` when OpenCV could read none of the videos). Those are not JSON, so
 * they are read here as "no number": that value becomes null with a warning, and the other dimensions and
 * videos of the file still count.
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

/**
 * Dimensions VBench's custom_input and vbench_category modes assert against
 * (`VBench.check_dimension_requires_extra_info`): they need `auxiliary_info` from its standard prompt suite.
 */
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

interface DimensionResult {
  /** VBench's aggregate; null when it wrote NaN or ±Infinity. */
  aggregate: number | null;
  /** Per video base name (the last path segment of `video_path`): the value on the aggregate's scale, null
   * when VBench wrote NaN or ±Infinity for it. */
  perVideo: Map<string, number | null>;
  /** How many of this dimension's numbers (aggregate and per video) were NaN or ±Infinity. */
  nonFinite: number;
}

export interface VbenchResults {
  dims: Map<VbenchDimension, DimensionResult>;
  /** One line per value that could not be used (NaN, ±Infinity), naming the dimension and the video. */
  warnings: string[];
}

const HINT =
  'pass the <name>_eval_results.json that VBench wrote (a dict: dimension → [aggregate, per_video])';

function bad(file: string, message: string): never {
  throw new TemporalCIError('METRIC_FAILED', `VBench results ${file}: ${message}`, { hint: HINT, file });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The last path segment, for POSIX and Windows paths alike (VBench records paths as it was given them). */
function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/**
 * Python's non-JSON float tokens, each replaced by a string that no JSON text can produce unescaped (it
 * starts with a NUL, which a JSON string must escape), so they survive JSON.parse and are recognised where a
 * number is expected.
 */
const PY_TOKENS = ['-Infinity', 'Infinity', 'NaN'] as const;
const MARK = '\u0000py:';
const markerJson = (name: string): string => JSON.stringify(`${MARK}${name}`);

/** Rewrites bare NaN / Infinity / -Infinity outside JSON strings; everything else is left byte for byte. */
export function pythonJsonToJson(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== 'N' && c !== 'I' && c !== '-') continue;
    // Outside strings the only words of valid JSON are true, false and null, so these cannot be a prefix.
    const token = PY_TOKENS.find((t) => text.startsWith(t, i));
    if (token === undefined) continue;
    out += text.slice(from, i) + markerJson(token);
    i += token.length - 1;
    from = i + 1;
  }
  return out + text.slice(from);
}

/** The Python float a marker stands for, or undefined for any other value. */
function pythonFloat(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : undefined;
}

/** A per-video value on the aggregate's scale; null for NaN / ±Infinity (the caller warns). */
function perVideoValue(dim: VbenchDimension, raw: unknown, where: string, file: string): number | null {
  if (pythonFloat(raw) !== undefined) return null;
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

/**
 * Parses the requested dimensions out of the results text (Python's json.dump output); a requested dimension
 * that is absent is an error, a NaN or ±Infinity value is null with a warning.
 */
export function parseVbenchResults(
  text: string,
  dimensions: readonly VbenchDimension[],
  file: string,
): VbenchResults {
  let doc: unknown;
  try {
    doc = JSON.parse(pythonJsonToJson(text));
  } catch (e) {
    bad(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) bad(file, 'expected a JSON object keyed by dimension');
  const dims = new Map<VbenchDimension, DimensionResult>();
  const warnings: string[] = [];
  for (const dim of dimensions) {
    const entry = doc[dim];
    if (entry === undefined)
      bad(file, `no results for dimension ${dim} (has: ${Object.keys(doc).join(', ') || 'none'})`);
    if (!Array.isArray(entry) || entry.length < 2) bad(file, `${dim} must be [aggregate, per_video]`);
    const [rawAggregate, perVideoList] = entry as unknown[];
    let nonFinite = 0;
    let aggregate: number | null;
    const aggregateFloat = pythonFloat(rawAggregate);
    if (aggregateFloat !== undefined) {
      aggregate = null;
      nonFinite++;
      warnings.push(`${dim}: VBench reported ${aggregateFloat} as its aggregate; aggregate.${dim} is null`);
    } else if (typeof rawAggregate === 'number' && Number.isFinite(rawAggregate)) {
      aggregate = rawAggregate;
    } else bad(file, `${dim} aggregate must be a number`);
    if (!Array.isArray(perVideoList)) bad(file, `${dim} per_video must be a list`);
    const perVideo = new Map<string, number | null>();
    for (const [i, item] of perVideoList.entries()) {
      const where = `${dim}[1][${i}]`;
      if (!isRecord(item) || typeof item.video_path !== 'string') bad(file, `${where} needs a video_path`);
      const name = basename(item.video_path);
      if (perVideo.has(name)) bad(file, `${where}: a second result for video ${name}`);
      const value = perVideoValue(dim, item.video_results, where, file);
      if (value === null) {
        nonFinite++;
        warnings.push(
          `${dim}: VBench reported ${pythonFloat(item.video_results)} for video ${name}; its dims.${dim} is null`,
        );
      }
      perVideo.set(name, value);
    }
    dims.set(dim, { aggregate, perVideo, nonFinite });
  }
  return { dims, warnings };
}
