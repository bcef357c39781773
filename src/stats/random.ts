/**
 * A seeded pseudo-random generator for bootstrap resampling and the statistical simulations. Gates must be
 * reproducible (same inputs and seed → same verdict), so Math.random is never used.
 *
 * xoshiro128** (Blackman & Vigna) over 32-bit words, seeded through splitmix32 so that small or similar
 * seeds still give well-mixed, independent streams.
 */
export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Student's t with df > 0 degrees of freedom (variance df/(df−2) when df > 2). */
  studentT(df: number): number;
  /** Gamma(shape, 1). */
  gamma(shape: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, got ${seed}`);
  // Fold a non-integer or large seed into 32 bits deterministically.
  const mix = splitmix32(Math.trunc(seed) ^ Math.trunc(seed / 0x100000000));
  let s0 = mix();
  let s1 = mix();
  let s2 = mix();
  let s3 = mix();
  // The all-zero state is a fixed point of xoshiro; splitmix32 cannot emit four zeros, but guard anyway.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };

  const next = (): number => nextU32() / 0x100000000;

  // Box–Muller yields two independent normals per pair of uniforms; keep the second for the next call.
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    // 1 − next() lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };

  // Marsaglia & Tsang (2000); shapes below 1 use the boost Gamma(a) = Gamma(a+1)·U^(1/a).
  const gamma = (shape: number): number => {
    if (!(shape > 0)) throw new RangeError(`gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) return gamma(shape + 1) * (1 - next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };

  // T = Z / sqrt(χ²_df / df), with χ²_df = 2·Gamma(df/2).
  const studentT = (df: number): number => {
    if (!(df > 0)) throw new RangeError(`studentT: df must be > 0, got ${df}`);
    const z = normal();
    const chi2 = 2 * gamma(df / 2);
    return z / Math.sqrt(chi2 / df);
  };

  const int = (n: number): number => {
    if (!(Number.isInteger(n) && n > 0 && n <= 0x100000000)) {
      throw new RangeError(`int: n must be an integer in [1, 2^32], got ${n}`);
    }
    return Math.floor(next() * n);
  };

  return { next, int, normal, studentT, gamma };
}
