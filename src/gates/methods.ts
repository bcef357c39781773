import type { GateMethod } from '../schema/suite.js';

/** Every gate method with a one-line description; keyed by GateMethod so a new method must be described. */
export const GATE_METHODS_INFO: Record<GateMethod, string> = {
  threshold:
    'compare an aggregate (mean, min, max, p10, p50, p90) with a value; regress against the baseline beyond a tolerance',
  sprt_regression:
    'sequential probability ratio test on per-sample deltas paired with the baseline by sample_id; generation stops once it decides',
  paired_test:
    'fixed-sample paired t or bootstrap test against the baseline; fails only when significant and beyond a magnitude floor',
};
