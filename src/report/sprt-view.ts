import type { GateResult } from '../schema/run.js';

/**
 * Reads the SPRT trace out of `GateResult.detail`. The detail is method-specific and stored as plain JSON,
 * so it is validated field by field here rather than trusted: a record written by another version (or one
 * holding only a decision, e.g. "baseline_missing") still renders whatever it does hold, and never throws.
 * Accepted shapes: the resumable state (`upper`, `lower`, `waves: [{wave, n, llr}]`, `n`) and the original's
 * (`upper_threshold`, `lower_threshold`, `llr_history: number[]`, `paired_count`).
 */

export interface SprtLook {
  wave: number;
  n: number;
  llr: number;
}

export interface SprtWorst {
  key: string;
  prompt: string | null;
  seed: number | null;
  baseline: number | null;
  current: number | null;
  delta: number;
}

export interface SprtView {
  decision: string;
  upper: number | null;
  lower: number | null;
  llr: number | null;
  looks: SprtLook[];
  pairsUsed: number | null;
  pairsPlanned: number | null;
  sigma: number | null;
  worst: SprtWorst[];
  reason: string | null;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function num(o: Obj, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function str(o: Obj, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') return v;
  }
  return null;
}

function looksOf(d: Obj): SprtLook[] {
  if (Array.isArray(d.waves)) {
    return d.waves.filter(isObj).flatMap((w, i) => {
      const n = num(w, 'n', 'pairs');
      const llr = num(w, 'llr');
      return n === null || llr === null ? [] : [{ wave: num(w, 'wave') ?? i + 1, n, llr }];
    });
  }
  if (Array.isArray(d.llr_history)) {
    return d.llr_history.flatMap((v, i) =>
      typeof v === 'number' && Number.isFinite(v) ? [{ wave: i + 1, n: i + 1, llr: v }] : [],
    );
  }
  return [];
}

function worstOf(d: Obj): SprtWorst[] {
  const pairing = isObj(d.pairing) ? d.pairing : {};
  const list = Array.isArray(d.worst_deltas)
    ? d.worst_deltas
    : Array.isArray(pairing.worst_deltas)
      ? pairing.worst_deltas
      : Array.isArray(d.worst_pairs)
        ? d.worst_pairs
        : [];
  return list.filter(isObj).flatMap((w) => {
    const delta = num(w, 'delta');
    if (delta === null) return [];
    return [
      {
        key: str(w, 'key', 'sample_id', 'pair_key') ?? '?',
        prompt: str(w, 'prompt'),
        seed: num(w, 'seed'),
        baseline: num(w, 'baseline'),
        current: num(w, 'current'),
        delta,
      },
    ];
  });
}

/** The SPRT view of a gate, or null when the gate carries no SPRT data. */
export function sprtView(g: GateResult): SprtView | null {
  const d = g.detail;
  if (!isObj(d)) return null;
  const inner = isObj(d.sprt) ? d.sprt : d;
  const decision = str(inner, 'decision');
  const looks = looksOf(inner);
  if (decision === null && looks.length === 0 && g.method !== 'sprt_regression') return null;
  const pairing = isObj(inner.pairing) ? inner.pairing : isObj(d.pairing) ? d.pairing : {};
  return {
    decision: decision ?? 'unknown',
    upper: num(inner, 'upper', 'upper_threshold'),
    lower: num(inner, 'lower', 'lower_threshold'),
    llr: num(inner, 'llr') ?? looks[looks.length - 1]?.llr ?? null,
    looks,
    pairsUsed: num(inner, 'paired_count', 'n') ?? num(pairing, 'paired_count'),
    pairsPlanned:
      num(inner, 'planned_pairs', 'expected_pairs', 'max_pairs') ?? num(pairing, 'expected_pairs'),
    sigma: num(inner, 'sigma'),
    worst: worstOf(inner).length ? worstOf(inner) : worstOf(d),
    reason: str(inner, 'reason') ?? str(d, 'reason'),
  };
}
