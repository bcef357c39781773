import { isSequentialGate } from '../gates/registry.js';
import { readGateTrace, readSprtTrace, type SprtTrace } from '../schema/gate-trace.js';
import type { GateResult } from '../schema/run.js';

/**
 * The SPRT card's data. A typed trace (src/schema/gate-trace.ts, also the shape today's main wrote without
 * the `method` key) is read as typed, so "pairs used of planned" are the very numbers of the gate's reason.
 * Anything older is probed field by field rather than trusted, so a record written by another version still
 * renders whatever it does hold and never throws. Probed shapes: the resumable state (`upper`, `lower`,
 * `waves: [{wave, n, llr}]`, `n`) and the original's (`upper_threshold`, `lower_threshold`,
 * `llr_history: number[]`, `paired_count`).
 */

interface SprtLook {
  wave: number;
  n: number;
  llr: number;
}

interface SprtWorst {
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

function typedView(t: SprtTrace): SprtView {
  if (t.decision === 'baseline_missing') {
    return {
      decision: t.decision,
      upper: null,
      lower: null,
      llr: null,
      looks: [],
      pairsUsed: null,
      pairsPlanned: null,
      sigma: null,
      worst: [],
      reason: t.reason,
    };
  }
  return {
    decision: t.decision,
    upper: t.upper_threshold,
    lower: t.lower_threshold,
    llr: t.llr,
    looks: t.waves.map((w) => ({ wave: w.wave, n: w.pairs, llr: w.llr })),
    pairsUsed: t.pairs_used,
    pairsPlanned: t.pairs_planned,
    sigma: t.sigma,
    worst: t.worst_deltas.map((w) => ({
      key: w.sample_id,
      prompt: w.prompt,
      seed: w.seed,
      baseline: w.baseline,
      current: w.current,
      delta: w.delta,
    })),
    reason: t.reason,
  };
}

/** The SPRT view of a gate, or null when the gate carries no SPRT data. */
export function sprtView(g: GateResult): SprtView | null {
  const typed = readSprtTrace(g);
  if (typed !== null) return typedView(typed);
  // Another method's typed trace (a paired test's) is no SPRT data, however much its keys look alike.
  if (readGateTrace(g) !== null) return null;
  return legacyView(g);
}

/** A detail that predates the typed trace, probed key by key. */
function legacyView(g: GateResult): SprtView | null {
  // Untyped by definition: whatever JSON an older version stored.
  const d: unknown = g.detail;
  if (!isObj(d)) return null;
  const inner = isObj(d.sprt) ? d.sprt : d;
  const decision = str(inner, 'decision');
  const looks = looksOf(inner);
  if (decision === null && looks.length === 0 && !isSequentialGate(g)) return null;
  const pairing = isObj(inner.pairing) ? inner.pairing : isObj(d.pairing) ? d.pairing : {};
  return {
    decision: decision ?? 'unknown',
    upper: num(inner, 'upper', 'upper_threshold'),
    lower: num(inner, 'lower', 'lower_threshold'),
    llr: num(inner, 'llr') ?? looks[looks.length - 1]?.llr ?? null,
    looks,
    pairsUsed: num(inner, 'pairs_used', 'paired_count', 'n') ?? num(pairing, 'paired_count'),
    pairsPlanned:
      num(inner, 'pairs_planned', 'planned_pairs', 'expected_pairs', 'max_pairs') ??
      num(pairing, 'expected_pairs'),
    sigma: num(inner, 'sigma'),
    worst: worstOf(inner).length ? worstOf(inner) : worstOf(d),
    reason: str(inner, 'reason') ?? str(d, 'reason'),
  };
}
