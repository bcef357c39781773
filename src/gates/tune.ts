import type { GateResult, RunStatus } from '../schema/run.js';
import { percentile } from '../stats/aggregate.js';
import { compareValues, directionOf } from './compare.js';
import { isLevelGate } from './registry.js';

/**
 * `temporalci tune-gates`: a threshold for each threshold gate from the values its PASSING runs measured.
 * A higher-is-better gate (`>=`, `>`) gets the low quantile q of those values, a lower-is-better one the high
 * quantile 1 − q, so about a share q of runs like the passing ones would fail it. Two guards the original
 * lacked: equality and statistical gates are not tuned (they have no level to move), and no suggestion is one
 * the most recent passing run would fail (it is moved to that run's value when the quantile lies beyond it).
 */

type TuneGateResult = Pick<GateResult, 'metric' | 'op' | 'value' | 'aggregate' | 'method' | 'actual'>;

export interface TuneRun {
  run_id: string;
  status: RunStatus;
  /** The run's gate results; null when its record could not be read (the run is left out). */
  gates: readonly TuneGateResult[] | null;
}

export interface TuneOptions {
  /** Share of runs like the passing ones a suggestion may fail, in [0, 0.5]. */
  quantile: number;
  /** Fewest passing runs with a value that a suggestion may rest on. */
  minRuns: number;
  /** Significant digits of a suggestion, rounded in the direction that keeps the guard. */
  digits?: number;
}

type Gate = Omit<TuneGateResult, 'actual'>;

export type TuneSuggestion =
  | {
      gate: Gate;
      kind: 'suggested';
      suggested: number;
      /** Passing runs whose value the suggestion rests on. */
      based_on: number;
      /** The quantile itself, before rounding and the last-pass guard. */
      quantile_value: number;
      min: number;
      max: number;
      last_pass: { run_id: string; value: number };
      /** Compared with the gate's current value: tighter fails more runs, looser fewer. */
      change: 'tighter' | 'looser' | 'same';
    }
  | { gate: Gate; kind: 'skipped'; reason: string; based_on: number };

const DEFAULT_DIGITS = 4;

/**
 * One unit in the `digits`-th significant place of the larger of `a` and `b`; 10^-digits for zeros (and for
 * values so near zero that the unit would underflow).
 */
function stepOf(a: number, b: number, digits: number): number {
  const m = Math.max(Math.abs(a), Math.abs(b));
  return m < 1e-290 ? 10 ** -digits : 10 ** (Math.floor(Math.log10(m)) - digits + 1);
}

/** Drops binary noise (0.9299000000000001) that rounding to a step leaves. */
const clean = (v: number): number => Number(v.toPrecision(12));

/**
 * The readable value next to `x`, on the side that lets `last` pass `op`: rounded down for a higher-is-better
 * op, up for a lower-is-better one, then stepped further while `last` would still fail (a strict op at
 * exactly `last`, or rounding noise).
 */
export function safeRound(
  x: number,
  op: '>=' | '>' | '<=' | '<',
  last: number,
  digits = DEFAULT_DIGITS,
): number {
  const down = op === '>=' || op === '>';
  const step = stepOf(x, last, digits);
  let r = clean((down ? Math.floor(x / step) : Math.ceil(x / step)) * step);
  for (let i = 0; i < 4 && !compareValues(last, op, r); i++) r = clean(down ? r - step : r + step);
  return r;
}

function skip(gate: Gate, reason: string, basedOn = 0): TuneSuggestion {
  return { gate, kind: 'skipped', reason, based_on: basedOn };
}

/** The value a run measured for this gate's metric and aggregate, when it did and it is a finite number. */
function valueIn(run: TuneRun, gate: Gate): number | null {
  const g = run.gates?.find((x) => x.metric === gate.metric && x.aggregate === gate.aggregate);
  return typeof g?.actual === 'number' && Number.isFinite(g.actual) ? g.actual : null;
}

function suggestOne(gate: Gate, runs: readonly TuneRun[], o: TuneOptions): TuneSuggestion {
  const op = gate.op;
  if (!isLevelGate(gate))
    return skip(gate, `a ${gate.method} gate: its target is a change against the baseline, not a level`);
  if (op !== '>=' && op !== '>' && op !== '<=' && op !== '<')
    return skip(gate, `an equality gate (${op}): it has no direction to tune`);
  if (typeof gate.value !== 'number') return skip(gate, 'its target is not a number');
  const points = runs
    .filter((r) => r.status === 'PASS')
    .map((r) => ({ run_id: r.run_id, value: valueIn(r, gate) }))
    .filter((p): p is { run_id: string; value: number } => p.value !== null);
  const lastPass = points[points.length - 1];
  if (!lastPass || points.length < o.minRuns) {
    return skip(
      gate,
      `${points.length} passing run(s) measured it; at least ${o.minRuns} are needed`,
      points.length,
    );
  }
  const values = points.map((p) => p.value);
  const higherIsBetter = directionOf(op) === 'higher_is_better';
  const q = percentile(values, higherIsBetter ? o.quantile : 1 - o.quantile);
  // Never beyond the latest passing run: a suggestion it would fail would fail today's good build.
  const bounded = higherIsBetter ? Math.min(q, lastPass.value) : Math.max(q, lastPass.value);
  const suggested = safeRound(bounded, op, lastPass.value, o.digits);
  const tighter = higherIsBetter ? suggested > gate.value : suggested < gate.value;
  return {
    gate,
    kind: 'suggested',
    suggested,
    based_on: points.length,
    quantile_value: q,
    min: Math.min(...values),
    max: Math.max(...values),
    last_pass: lastPass,
    change: suggested === gate.value ? 'same' : tighter ? 'tighter' : 'looser',
  };
}

/** A suggestion (or why none) for each gate, from the runs oldest first. */
export function suggestGates(
  gates: readonly Gate[],
  runs: readonly TuneRun[],
  o: TuneOptions,
): TuneSuggestion[] {
  return gates.map((g) => suggestOne(g, runs, o));
}
