/**
 * A resumable Wald sequential probability ratio test (SPRT) for paired regression gates.
 *
 * Input: direction-normalised paired deltas d_i (positive = better; see pairing.ts), modelled as
 * d_i ~ N(μ, σ²). The hypotheses keep the original TemporalCI's orientation so existing suites and
 * recorded decisions read the same:
 *
 *   H0 "regression":    μ = −δ        (δ = effect_size)
 *   H1 "no regression": μ = 0
 *
 *   LLR_n = log L(H1)/L(H0) = Σ [(d_i + δ)² − d_i²] / (2σ²) = Σ (2δ·d_i + δ²) / (2σ²)
 *
 * Boundaries: A = ln((1−β)/α) (LLR ≥ A: accept H1, the gate passes) and B = ln(β/(1−α)) (LLR ≤ B: accept H0,
 * the gate fails). With this orientation Wald's error rates mean:
 *   α = P(accept H1 "no regression" | true regression of size δ)  — the MISS rate;
 *   β = P(accept H0 "regression"   | no change)                    — the FALSE-ALARM rate.
 * (The original's README described them the other way round.)
 *
 * Waves: the run engine generates samples in waves and calls `updateSprt` once per wave. A decision is taken
 * only at a wave boundary, on every delta seen so far; the LLR never stops part-way through a list, so no
 * delta is ever ignored. If the caller keeps feeding waves after a decision (the engine should not: it stops
 * generating), the decision is recomputed on all data at each boundary and may change; `decided_at` then
 * points at the boundary where the current decision was first reached.
 *
 * σ: `fixed` uses params.sigma. `estimate` uses the sample standard deviation (n−1) of the deltas seen up
 * to and including the current wave, never later data, floored by sigma_floor. The LLR is a function of
 * (n, Σd, σ) only, so each boundary recomputes it exactly with the current σ over all seen deltas rather
 * than summing increments computed with stale σ values.
 *
 * The state keeps sufficient statistics (n, Σd, Welford mean and M2) instead of the deltas themselves, so
 * an update costs O(wave size) and the state stays small enough to store in run.json.
 *
 * Overshoot: A and B are exact only for a continuous path. A discrete LLR jumps past them, so the real error
 * rates with known σ sit well below α and β (≈0.075 / 0.037 for α .05, β .1, δ/σ .5) and the test reads more
 * pairs than it needs. `boundary: corrected` applies Siegmund's correction for a Gaussian random walk: each
 * LLR increment d·δ/σ² + δ²/(2σ²) has standard deviation τ = δ/σ, a look after k new pairs jumps by τ·√k,
 * and the expected overshoot is about ρ·τ·√k with ρ = −ζ(1/2)/√(2π) ≈ 0.5826. Looking at A − ρτ√k and
 * B + ρτ√k makes the discrete test behave like the continuous one, whose rates are exactly α and β.
 *
 * Truncation: with `at_max_pairs: sign`, reaching max_pairs without a crossing decides by the sign of the
 * LLR (≥ 0: no regression) instead of `inconclusive`. This spends extra error: at max_pairs = fixed-N the
 * miss rate rises to 0.076 for α .05; at 2× fixed-N the rates stay within α and β (docs/statistics.md §4).
 */
import { TemporalCIError } from '../errors.js';
import { normalQuantile } from '../stats/distributions.js';
import { resolveBoundary, type SprtParams } from './sprt-params.js';

/**
 * The SPRT params this module uses; a full `SprtParams` (the gate's validated params) is accepted. The
 * additive ones are optional so callers written before them keep their meaning (`at_max_pairs` defaults
 * to inconclusive; `boundary` resolves as in `resolveBoundary`).
 */
export type SprtTestParams = Pick<
  SprtParams,
  'alpha' | 'beta' | 'effect_size' | 'sigma_mode' | 'sigma' | 'sigma_floor' | 'min_pairs' | 'max_pairs'
> &
  Partial<Pick<SprtParams, 'boundary' | 'at_max_pairs'>>;

/** ρ = −ζ(1/2)/√(2π): the expected overshoot of a Gaussian random walk per unit increment SD (Siegmund 1985). */
export const OVERSHOOT_RHO = 0.5826;

type SprtDecision = 'continue' | 'accept_h1_no_regression' | 'accept_h0_regression' | 'inconclusive';

interface SprtWave {
  /** 1-based wave number. */
  wave: number;
  /** Deltas seen in total after this wave. */
  n: number;
  llr: number;
  sigma: number;
  /** The boundaries this look compared the LLR with (Wald's, or moved inward by the overshoot correction). */
  upper: number;
  lower: number;
  decision: SprtDecision;
}

export interface SprtState {
  params: Readonly<SprtTestParams>;
  boundary: 'wald' | 'corrected';
  /** A = ln((1−β)/α): Wald's upper boundary (accept H1, no regression), before any correction. */
  upper: number;
  /** B = ln(β/(1−α)): Wald's lower boundary (accept H0, regression), before any correction. */
  lower: number;
  /** The boundaries used at the latest look (equal to upper/lower with `boundary: wald` or before a look). */
  look_upper: number;
  look_lower: number;
  /** How the current decision was reached: a boundary, or the sign rule at max_pairs. */
  decided_by: 'boundary' | 'max_pairs_sign' | null;
  n: number;
  sum: number;
  mean: number;
  /** Σ (d − mean)², maintained with Welford's update for numerical stability. */
  m2: number;
  sigma: number;
  llr: number;
  /** δ²/(2σ²): the expected LLR increment per pair under H1 (and its negative under H0). */
  drift_per_pair: number;
  required_pairs_upper: number;
  required_pairs_lower: number;
  decision: SprtDecision;
  decided_at: { wave: number; n: number } | null;
  waves: SprtWave[];
}

function invalid(message: string, hint: string): TemporalCIError {
  return new TemporalCIError('GATE_INVALID', message, { hint });
}

/** Wald's boundaries for the given error rates. */
export function sprtThresholds(alpha: number, beta: number): { upper: number; lower: number } {
  return { upper: Math.log((1 - beta) / alpha), lower: Math.log(beta / (1 - alpha)) };
}

function validate(p: SprtTestParams): void {
  if (!(p.alpha > 0 && p.beta > 0 && p.alpha + p.beta < 1)) {
    // α + β < 1 is exactly the condition for B < 0 < A; otherwise the test could decide with no data.
    throw invalid(
      `SPRT alpha=${p.alpha}, beta=${p.beta} must be > 0 with alpha + beta < 1`,
      'Typical: alpha 0.05, beta 0.1.',
    );
  }
  if (!(p.effect_size > 0 && Number.isFinite(p.effect_size))) {
    throw invalid(
      `SPRT effect_size must be a finite number > 0, got ${p.effect_size}`,
      'Set effect_size to the smallest regression worth failing on, in metric units.',
    );
  }
  if (p.sigma_mode === 'fixed' && !(p.sigma !== undefined && p.sigma > 0 && Number.isFinite(p.sigma))) {
    throw invalid(
      `SPRT sigma_mode fixed needs sigma > 0, got ${p.sigma}`,
      'Calibrate sigma from repeated runs of an unchanged model.',
    );
  }
  if (p.sigma_mode === 'estimate' && !(p.sigma_floor > 0 && Number.isFinite(p.sigma_floor))) {
    throw invalid(
      `SPRT sigma_floor must be > 0, got ${p.sigma_floor}`,
      'sigma_floor keeps identical outputs from giving σ = 0.',
    );
  }
  if (!(Number.isInteger(p.min_pairs) && p.min_pairs >= 1)) {
    throw invalid(`SPRT min_pairs must be an integer >= 1, got ${p.min_pairs}`, 'Typical: 6 or more.');
  }
  if (p.at_max_pairs === 'sign' && p.max_pairs === undefined) {
    throw invalid('SPRT at_max_pairs: sign needs max_pairs', 'Set max_pairs, e.g. twice the fixed-N size.');
  }
  if (p.max_pairs !== undefined && !(Number.isInteger(p.max_pairs) && p.max_pairs >= p.min_pairs)) {
    throw invalid(
      `SPRT max_pairs must be an integer >= min_pairs (${p.min_pairs}), got ${p.max_pairs}`,
      'Raise max_pairs or lower min_pairs.',
    );
  }
}

function currentSigma(p: SprtTestParams, n: number, m2: number): number {
  if (p.sigma_mode === 'fixed') return p.sigma as number;
  // With fewer than two deltas there is no spread to estimate; the floor stands in, and no decision can be
  // taken before min_pairs anyway.
  const std = n >= 2 ? Math.sqrt(m2 / (n - 1)) : 0;
  return Math.max(std, p.sigma_floor);
}

/** LLR over n deltas with sum Σd: (2δ·Σd + n·δ²) / (2σ²). */
export function sprtLlr(n: number, sum: number, effect: number, sigma: number): number {
  return (2 * effect * sum + n * effect * effect) / (2 * sigma * sigma);
}

/**
 * The boundaries for a look after `newPairs` new pairs. The correction is capped at half of each Wald
 * boundary: Siegmund's term is an approximation for small jumps (τ√k well under |B|), and an uncapped shift
 * at a large δ/σ or a large wave would move a boundary to 0 and let a single wave decide anything.
 */
export function lookBoundaries(
  boundary: 'wald' | 'corrected',
  upper: number,
  lower: number,
  effect: number,
  sigma: number,
  newPairs: number,
): { upper: number; lower: number } {
  if (boundary === 'wald' || newPairs <= 0) return { upper, lower };
  const shift = OVERSHOOT_RHO * (effect / sigma) * Math.sqrt(newPairs);
  return { upper: upper - Math.min(shift, upper / 2), lower: lower + Math.min(shift, -lower / 2) };
}

function derived(p: SprtTestParams, sigma: number, upper: number, lower: number) {
  const drift = (p.effect_size * p.effect_size) / (2 * sigma * sigma);
  return {
    drift_per_pair: drift,
    required_pairs_upper: upper / drift,
    required_pairs_lower: Math.abs(lower) / drift,
  };
}

export function createSprt(params: SprtTestParams): SprtState {
  validate(params);
  const p: SprtTestParams = {
    alpha: params.alpha,
    beta: params.beta,
    effect_size: params.effect_size,
    sigma_mode: params.sigma_mode,
    sigma: params.sigma,
    sigma_floor: params.sigma_floor,
    min_pairs: params.min_pairs,
    max_pairs: params.max_pairs,
    boundary: params.boundary,
    at_max_pairs: params.at_max_pairs ?? 'inconclusive',
  };
  const { upper, lower } = sprtThresholds(p.alpha, p.beta);
  const sigma = currentSigma(p, 0, 0);
  return {
    params: Object.freeze(p),
    boundary: resolveBoundary(p),
    upper,
    lower,
    look_upper: upper,
    look_lower: lower,
    decided_by: null,
    n: 0,
    sum: 0,
    mean: 0,
    m2: 0,
    sigma,
    llr: 0,
    ...derived(p, sigma, upper, lower),
    decision: 'continue',
    decided_at: null,
    waves: [],
  };
}

function decide(
  state: { n: number; llr: number; upper: number; lower: number },
  p: SprtTestParams,
): { decision: SprtDecision; by: SprtState['decided_by'] } {
  if (state.n >= p.min_pairs) {
    if (state.llr >= state.upper) return { decision: 'accept_h1_no_regression', by: 'boundary' };
    if (state.llr <= state.lower) return { decision: 'accept_h0_regression', by: 'boundary' };
  }
  // A wave may overshoot max_pairs; its deltas are still all counted (truncating by count would be unbiased,
  // but dropping observed data is what made the original misleading).
  if (p.max_pairs !== undefined && state.n >= p.max_pairs) {
    if (p.at_max_pairs !== 'sign') return { decision: 'inconclusive', by: null };
    // LLR ≥ 0 ⇔ mean delta ≥ −δ/2: the likelier hypothesis given everything seen.
    return {
      decision: state.llr >= 0 ? 'accept_h1_no_regression' : 'accept_h0_regression',
      by: 'max_pairs_sign',
    };
  }
  return { decision: 'continue', by: null };
}

/** Feed one wave of new deltas (generation order) and decide at the wave boundary. Pure. */
export function updateSprt(state: SprtState, newDeltas: readonly number[]): SprtState {
  const p = state.params;
  let { n, sum, mean, m2 } = state;
  for (const d of newDeltas) {
    if (!Number.isFinite(d)) {
      throw new TemporalCIError('METRIC_FAILED', `SPRT received a non-finite delta (${d}) at pair ${n + 1}`, {
        hint: 'Drop samples whose metric could not be computed before pairing.',
      });
    }
    n += 1;
    sum += d;
    const diff = d - mean;
    mean += diff / n;
    m2 += diff * (d - mean);
  }
  const sigma = currentSigma(p, n, m2);
  const llr = sprtLlr(n, sum, p.effect_size, sigma);
  const wave = state.waves.length + 1;
  const look = lookBoundaries(
    state.boundary,
    state.upper,
    state.lower,
    p.effect_size,
    sigma,
    newDeltas.length,
  );
  const { decision, by } = decide({ n, llr, upper: look.upper, lower: look.lower }, p);
  let decidedAt: SprtState['decided_at'] = null;
  if (decision !== 'continue') decidedAt = decision === state.decision ? state.decided_at : { wave, n };
  // Spelled out rather than spread: this is the simulation's hot path and literal objects keep one shape.
  const drift = (p.effect_size * p.effect_size) / (2 * sigma * sigma);
  const waves = state.waves.slice();
  waves.push({ wave, n, llr, sigma, upper: look.upper, lower: look.lower, decision });
  return {
    params: p,
    boundary: state.boundary,
    upper: state.upper,
    lower: state.lower,
    look_upper: look.upper,
    look_lower: look.lower,
    decided_by: by,
    n,
    sum,
    mean,
    m2,
    sigma,
    llr,
    drift_per_pair: drift,
    required_pairs_upper: state.upper / drift,
    required_pairs_lower: Math.abs(state.lower) / drift,
    decision,
    decided_at: decidedAt,
    waves,
  };
}

/**
 * Run the test the way the engine does: ask `nextWave(size)` for a wave of fresh deltas, update, and stop
 * generating as soon as a boundary gives any decision other than `continue`. `maxWaves` bounds the loop when
 * params set no max_pairs (the SPRT ends with probability 1, but a caller bug must not spin forever); if it is
 * reached the state is returned with decision `continue`.
 */
export function runSequential(
  params: SprtTestParams,
  waveSize: number,
  nextWave: (size: number) => readonly number[],
  maxWaves = 1_000_000,
): SprtState {
  if (!(Number.isInteger(waveSize) && waveSize >= 1))
    throw new RangeError(`waveSize must be an integer >= 1, got ${waveSize}`);
  let state = createSprt(params);
  while (state.decision === 'continue' && state.waves.length < maxWaves) {
    state = updateSprt(state, nextWave(waveSize));
  }
  return state;
}

/**
 * One-sided fixed-sample z-test size with the same error rates: n = ⌈((z₁₋α + z₁₋β)·σ/δ)²⌉. This is the
 * yardstick the sequential test is compared against (Wald's SPRT needs about half of it on average).
 */
export function fixedNSampleSize(alpha: number, beta: number, effect: number, sigma: number): number {
  if (!(alpha > 0 && alpha < 1 && beta > 0 && beta < 1 && effect > 0 && sigma > 0)) {
    throw new RangeError(`fixedNSampleSize: need 0<alpha,beta<1 and effect, sigma > 0`);
  }
  const z = normalQuantile(1 - alpha) + normalQuantile(1 - beta);
  return Math.ceil(((z * sigma) / effect) ** 2);
}

/**
 * Wald's approximate average sample numbers (ignoring overshoot) for known σ: under no change the LLR drifts
 * up by δ²/(2σ²) per pair, under a regression of size δ down by the same amount.
 */
export function waldAverageSampleNumber(
  alpha: number,
  beta: number,
  effect: number,
  sigma: number,
): { no_change: number; regression: number } {
  const { upper, lower } = sprtThresholds(alpha, beta);
  const drift = (effect * effect) / (2 * sigma * sigma);
  return {
    no_change: ((1 - beta) * upper + beta * lower) / drift,
    regression: -(alpha * upper + (1 - alpha) * lower) / drift,
  };
}
