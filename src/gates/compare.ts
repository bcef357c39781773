import type { GateOp } from '../schema/suite.js';

export type GateValue = number | string | boolean;

/** Is a higher value better under this op? `undefined` for the equality ops, which have no direction. */
export function directionOf(op: GateOp): 'higher_is_better' | 'lower_is_better' | undefined {
  if (op === '>=' || op === '>') return 'higher_is_better';
  if (op === '<=' || op === '<') return 'lower_is_better';
  return undefined;
}

/** Applies a gate's op. Ordering ops need numbers on both sides; equality compares numbers numerically. */
export function compareValues(actual: number, op: GateOp, target: GateValue): boolean {
  if (op === '==' || op === '!=') {
    const equal = typeof target === 'number' ? actual === target : String(actual) === String(target);
    return op === '==' ? equal : !equal;
  }
  const t = typeof target === 'number' ? target : Number(target);
  if (Number.isNaN(t)) return false;
  switch (op) {
    case '>=':
      return actual >= t;
    case '>':
      return actual > t;
    case '<=':
      return actual <= t;
    case '<':
      return actual < t;
  }
}
