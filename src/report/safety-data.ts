import type { RunRecord, SampleRecord } from '../schema/run.js';
import type { MetricValues } from '../schema/values.js';

/**
 * What the report's Safety section shows, read from run.json alone (pure): per-aspect counts from the
 * prompt policy and the judges, which samples a frame check flagged and why, and the refusal rows.
 */

const ASPECT_NAMES: Readonly<Record<number, string>> = {
  1: 'Pornography',
  2: 'Borderline Pornography',
  3: 'Violence',
  4: 'Gore',
  5: 'Disturbing Content',
  6: 'Public Figures',
  7: 'Discrimination',
  8: 'Political Sensitivity',
  9: 'Copyright and Trademark',
  10: 'Illegal Activities',
  11: 'Misinformation',
  12: 'Sequential Action Risk',
  13: 'Dynamic Variation Risk',
  14: 'Coherent Contextual Risk',
};

/** Metrics that look at the video and can call a sample unsafe. */
export const FRAME_JUDGES = ['safety_t2v', 'external_judge', 't2vsafetybench_official'] as const;
/** Judges whose run summary has `by_aspect.<n>.{samples, violations, violation_rate}`. */
const ASPECT_JUDGES = ['external_judge', 't2vsafetybench_official'] as const;
const SAFETY_METRICS = ['prompt_policy', 'refusal', ...FRAME_JUDGES];

export function leaf(values: MetricValues | undefined, dotted: string): number | null {
  let node: MetricValues | number | null | undefined = values;
  for (const k of dotted.split('.')) {
    if (node === null || node === undefined || typeof node === 'number') return null;
    node = Object.hasOwn(node, k) ? node[k] : undefined;
  }
  return typeof node === 'number' ? node : null;
}

export function hasSafetyMetrics(rec: RunRecord): boolean {
  return SAFETY_METRICS.some((m) => rec.metrics[m] !== undefined);
}

/** Why a sample is flagged: one line per judge that called it unsafe; empty when none did. */
function flagReasons(s: SampleRecord): string[] {
  const out: string[] = [];
  for (const m of FRAME_JUDGES) {
    const v = s.metrics[m];
    if (leaf(v, 'unsafe') !== 1) continue;
    const score = m === 'safety_t2v' ? leaf(v, 'nsfw_score') : leaf(v, 'score');
    out.push(score === null ? `${m}: unsafe` : `${m}: unsafe (score ${score.toFixed(3)})`);
  }
  return out;
}

/** sample_id → reasons, for every flagged sample of a run (null run → empty). */
export function flaggedSamples(rec: RunRecord | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of rec?.samples ?? []) {
    const r = flagReasons(s);
    if (r.length > 0) out.set(s.sample_id, r);
  }
  return out;
}

function aspectKeys(v: MetricValues | undefined): number[] {
  const a = v?.aspects;
  if (a === null || a === undefined || typeof a !== 'object') return [];
  return Object.keys(a)
    .filter((k) => a[k] === 1)
    .map(Number)
    .sort((x, y) => x - y);
}

/** The aspects a sample's prompt is labelled with: the prompt policy's, else a judge's, else the prompt class. */
function sampleAspects(s: SampleRecord): number[] {
  for (const m of ['prompt_policy', ...ASPECT_JUDGES]) {
    const keys = aspectKeys(s.metrics[m]);
    if (keys.length > 0) return keys;
  }
  return s.prompt_class === undefined ? [] : [s.prompt_class];
}

export function aspectLabel(id: number): string {
  return `${id} ${ASPECT_NAMES[id] ?? 'unknown aspect'}`;
}

export interface AspectRow {
  aspect: number;
  /** Prompts the prompt policy labels with this aspect (null without prompt_policy). */
  labelled: number | null;
  /** Per judge metric present in the run: judged samples, violations and their rate for this aspect. */
  judges: Record<string, { samples: number | null; violations: number | null; rate: number | null }>;
}

/** One row per aspect that any summary counts, in aspect order. */
export function aspectRows(rec: RunRecord): { judges: string[]; rows: AspectRow[] } {
  const judges = ASPECT_JUDGES.filter((m) => rec.metrics[m] !== undefined);
  const policy = rec.metrics.prompt_policy?.values;
  const ids = new Set<number>();
  for (const values of [policy, ...judges.map((j) => rec.metrics[j]?.values)]) {
    const by = values?.by_aspect;
    if (by !== null && by !== undefined && typeof by === 'object')
      for (const k of Object.keys(by)) ids.add(Number(k));
  }
  const rows = [...ids]
    .filter((id) => Number.isInteger(id))
    .sort((a, b) => a - b)
    .map((aspect) => {
      const row: AspectRow = {
        aspect,
        labelled: policy === undefined ? null : leaf(policy, `by_aspect.${aspect}`),
        judges: {},
      };
      for (const j of judges) {
        const v = rec.metrics[j]?.values;
        row.judges[j] = {
          samples: leaf(v, `by_aspect.${aspect}.samples`),
          violations: leaf(v, `by_aspect.${aspect}.violations`),
          rate: leaf(v, `by_aspect.${aspect}.violation_rate`),
        };
      }
      return row;
    });
  return { judges, rows };
}

type RefusalOutcome =
  | 'refused as expected'
  | 'missed refusal'
  | 'over-refusal'
  | 'generated'
  | 'undetermined';

export interface RefusalRow {
  sample: SampleRecord;
  unsafePrompt: boolean;
  aspects: number[];
  adapterRefused: boolean;
  reason: string | null;
  /** From the pixels: 1 blank, 0 content, null when no frame could be looked at. */
  blank: number | null;
  outcome: RefusalOutcome;
}

export function refusalRows(rec: RunRecord): RefusalRow[] {
  return rec.samples.flatMap((s) => {
    const v = s.metrics.refusal;
    if (v === undefined) return [];
    const unsafePrompt = leaf(v, 'unsafe_prompt') === 1;
    const refused = leaf(v, 'refused');
    const outcome: RefusalOutcome =
      refused === null
        ? 'undetermined'
        : unsafePrompt
          ? refused === 1
            ? 'refused as expected'
            : 'missed refusal'
          : refused === 1
            ? 'over-refusal'
            : 'generated';
    const reason = s.metadata.refusal_reason;
    return [
      {
        sample: s,
        unsafePrompt,
        aspects: sampleAspects(s),
        adapterRefused: leaf(v, 'adapter_refused') === 1,
        reason: typeof reason === 'string' ? reason : null,
        blank: leaf(v, 'blank'),
        outcome,
      },
    ];
  });
}
