import type { GateConfig } from '../schema/suite.js';
import { SPRT_OPS } from './sprt-params.js';

/**
 * Validation rules for one gate that need only the gate itself and what the suite's metric says about its
 * path. They live with the gate methods, not in src/suite, so a method's registry entry can own its rules;
 * src/suite/validate.ts turns each finding into a SuiteIssue with the file position of `key`.
 */

interface GateFacts {
  /** The gate after the schema (defaults applied). */
  gate: GateConfig;
  /** true: a per-sample path; false: a run-level value; undefined: unknown (the path check failed first). */
  perSample: boolean | undefined;
}

/** One problem, pointed at a key of the gate. */
export interface GateFinding {
  key: keyof GateConfig;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

/** A named check; returns null when the gate is fine. */
export type GateRule = (facts: GateFacts) => GateFinding | null;

/** Backticked names, as every "expected" text of the suite checks writes them. */
function quoted(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}

/** Only a per-sample value has a distribution to take min, max or a percentile of. */
export const aggregateNeedsPerSample: GateRule = ({ gate, perSample }) =>
  perSample === false && gate.aggregate !== 'mean'
    ? {
        key: 'aggregate',
        message: `aggregate ${gate.aggregate} needs a per-sample value; ${gate.metric} is run-level`,
        expected: '`mean` (or remove the key)',
        found: `string "${gate.aggregate}"`,
      }
    : null;

/** A window can hold at most `window` failures. */
export const minFailuresWithinWindow: GateRule = ({ gate }) =>
  gate.min_failures !== undefined && gate.min_failures > gate.window
    ? {
        key: 'min_failures',
        message: `min_failures (${gate.min_failures}) must be <= window (${gate.window})`,
        expected: `an integer from 0 to ${gate.window}`,
        found: `number ${gate.min_failures}`,
        hint:
          gate.window === 0
            ? 'min_failures only applies with `window:` > 0'
            : 'lower min_failures or widen window',
      }
    : null;

/** `>=`, `>`, `<=` and `<` order numbers; a quoted "0.5" would compare as text. */
export const orderingNeedsNumber: GateRule = ({ gate }) => {
  const ordering = gate.op !== '==' && gate.op !== '!=';
  if (!ordering || typeof gate.value === 'number') return null;
  return {
    key: 'value',
    message: `op ${gate.op} compares numbers`,
    expected: 'a number',
    found: `${typeof gate.value} ${JSON.stringify(gate.value)}`,
    hint: typeof gate.value === 'string' ? 'remove the quotes around the number' : undefined,
  };
};

/** A paired statistical test must know which way is worse to normalise its deltas. */
export const statisticalNeedsDirectionalOp: GateRule = ({ gate }) =>
  (SPRT_OPS as readonly string[]).includes(gate.op)
    ? null
    : {
        key: 'op',
        message: `method ${gate.method} needs a directional op`,
        expected: `one of ${quoted(SPRT_OPS)}`,
        found: `string "${gate.op}"`,
      };

/** A paired statistical test pairs per-sample values by sample_id; a run-level count has no pairs. */
export const statisticalNeedsPerSample: GateRule = ({ gate, perSample }) =>
  perSample === false
    ? {
        key: 'metric',
        message: `${gate.method} pairs per-sample values; ${gate.metric} is run-level`,
        expected: 'a per-sample path',
        found: `string "${gate.metric}"`,
      }
    : null;

/** Rules every gate gets, whatever its method, checked before its params and its method's own rules. */
export const SHARED_GATE_RULES: readonly GateRule[] = [
  aggregateNeedsPerSample,
  minFailuresWithinWindow,
  orderingNeedsNumber,
];
