// AssemblyScript source of the SSIM plane kernel (built by `npm run build:wasm` into
// src/metrics/kernels/wasm/kernels.wasm). It is the SIMD twin of ssimPlane in
// src/metrics/kernels/ffmpeg/ssim.ts, which stays the reference: same integer block sums, the same float32
// window formula (f32x4 lanes round exactly like Math.fround), and the same double accumulation order.
//
// Memory layout (the JS side owns it): plane a, plane b (`stride` bytes a row), then four rows of block sums
// of `bw` i32 each for the previous block-row and four for the current one (s1 | s2 | ss | s12, structure of
// arrays so four blocks fill one v128).

const C1: i32 = 416; // (int)(.01*.01*255*255*64 + .5), as SSIM_C1
const C2: i32 = 235963; // (int)(.03*.03*255*255*64*63 + .5), as SSIM_C2

/** First byte the JS side may use: past AssemblyScript's static data, 16-aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Block sums of block-row `by` into `row` (s1, s2, ss, s12 arrays of `bw` i32 each). */
function blockRow(a: usize, b: usize, stride: i32, by: i32, bw: i32, row: usize): void {
  const rowBytes = <usize>bw << 2;
  const base = <usize>(by * 4 * stride);
  let z = 0;
  for (; z + 4 <= bw; z += 4) {
    let s1 = i32x4.splat(0);
    let s2 = i32x4.splat(0);
    let sqLo = i32x4.splat(0);
    let sqHi = i32x4.splat(0);
    let pLo = i32x4.splat(0);
    let pHi = i32x4.splat(0);
    for (let y = 0; y < 4; y++) {
      const off = base + <usize>(y * stride) + (<usize>z << 2);
      const va = v128.load(a + off);
      const vb = v128.load(b + off);
      s1 = i32x4.add(s1, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(va)));
      s2 = i32x4.add(s2, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(vb)));
      const aLo = i16x8.extend_low_i8x16_u(va);
      const aHi = i16x8.extend_high_i8x16_u(va);
      const bLo = i16x8.extend_low_i8x16_u(vb);
      const bHi = i16x8.extend_high_i8x16_u(vb);
      // dot: lane i = x[2i]·y[2i] + x[2i+1]·y[2i+1]; pixels ≤ 255 so the signed form is exact.
      sqLo = i32x4.add(sqLo, i32x4.add(i32x4.dot_i16x8_s(aLo, aLo), i32x4.dot_i16x8_s(bLo, bLo)));
      sqHi = i32x4.add(sqHi, i32x4.add(i32x4.dot_i16x8_s(aHi, aHi), i32x4.dot_i16x8_s(bHi, bHi)));
      pLo = i32x4.add(pLo, i32x4.dot_i16x8_s(aLo, bLo));
      pHi = i32x4.add(pHi, i32x4.dot_i16x8_s(aHi, bHi));
    }
    // Each lo/hi lane holds 2 px of a block row: adjacent lanes add up to one block.
    const ss = i32x4.add(i32x4.shuffle(sqLo, sqHi, 0, 2, 4, 6), i32x4.shuffle(sqLo, sqHi, 1, 3, 5, 7));
    const s12 = i32x4.add(i32x4.shuffle(pLo, pHi, 0, 2, 4, 6), i32x4.shuffle(pLo, pHi, 1, 3, 5, 7));
    const o = row + (<usize>z << 2);
    v128.store(o, s1);
    v128.store(o + rowBytes, s2);
    v128.store(o + 2 * rowBytes, ss);
    v128.store(o + 3 * rowBytes, s12);
  }
  for (; z < bw; z++) {
    let s1 = 0;
    let s2 = 0;
    let ss = 0;
    let s12 = 0;
    for (let y = 0; y < 4; y++) {
      const off = base + <usize>(y * stride) + (<usize>z << 2);
      for (let x: usize = 0; x < 4; x++) {
        const va = <i32>load<u8>(a + off + x);
        const vb = <i32>load<u8>(b + off + x);
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
      }
    }
    const o = row + (<usize>z << 2);
    store<i32>(o, s1);
    store<i32>(o + rowBytes, s2);
    store<i32>(o + 2 * rowBytes, ss);
    store<i32>(o + 3 * rowBytes, s12);
  }
}

/** ffmpeg ssim_end1 on one window's sums; every integer fits i32 for 8-bit input. */
function windowScalar(s1: i32, s2: i32, ss: i32, s12: i32): f32 {
  const vars = ss * 64 - s1 * s1 - s2 * s2;
  const covar = s12 * 64 - s1 * s2;
  const numA: i32 = 2 * s1 * s2 + C1;
  const numB: i32 = 2 * covar + C2;
  const denA: i32 = s1 * s1 + s2 * s2 + C1;
  const denB: i32 = vars + C2;
  return (<f32>numA * <f32>numB) / (<f32>denA * <f32>denB);
}

/** Sum of one array's 2×2 blocks for windows z..z+3: prev[z] + prev[z+1] + cur[z] + cur[z+1]. */
@inline
function quad(prev: usize, cur: usize, z: i32): v128 {
  const o = <usize>z << 2;
  return i32x4.add(
    i32x4.add(v128.load(prev + o), v128.load(prev + o + 4)),
    i32x4.add(v128.load(cur + o), v128.load(cur + o + 4)),
  );
}

/** Sum of the window values of one block-row pair, added to `total` in window order. */
function windowRow(prev: usize, cur: usize, bw: i32, total: f64): f64 {
  const rb = <usize>bw << 2;
  const c1 = i32x4.splat(C1);
  const c2 = i32x4.splat(C2);
  const k64 = i32x4.splat(64);
  let z = 0;
  for (; z + 4 <= bw - 1; z += 4) {
    const s1 = quad(prev, cur, z);
    const s2 = quad(prev + rb, cur + rb, z);
    const ss = quad(prev + 2 * rb, cur + 2 * rb, z);
    const s12 = quad(prev + 3 * rb, cur + 3 * rb, z);
    const s1s1 = i32x4.mul(s1, s1);
    const s2s2 = i32x4.mul(s2, s2);
    const s1s2 = i32x4.mul(s1, s2);
    const vars = i32x4.sub(i32x4.sub(i32x4.mul(ss, k64), s1s1), s2s2);
    const covar = i32x4.sub(i32x4.mul(s12, k64), s1s2);
    const num = f32x4.mul(
      f32x4.convert_i32x4_s(i32x4.add(i32x4.add(s1s2, s1s2), c1)),
      f32x4.convert_i32x4_s(i32x4.add(i32x4.add(covar, covar), c2)),
    );
    const den = f32x4.mul(
      f32x4.convert_i32x4_s(i32x4.add(i32x4.add(s1s1, s2s2), c1)),
      f32x4.convert_i32x4_s(i32x4.add(vars, c2)),
    );
    const w = f32x4.div(num, den);
    total += <f64>f32x4.extract_lane(w, 0);
    total += <f64>f32x4.extract_lane(w, 1);
    total += <f64>f32x4.extract_lane(w, 2);
    total += <f64>f32x4.extract_lane(w, 3);
  }
  for (; z < bw - 1; z++) {
    const o = <usize>z << 2;
    const s1 = load<i32>(prev + o) + load<i32>(prev + o + 4) + load<i32>(cur + o) + load<i32>(cur + o + 4);
    const p2 = prev + rb + o;
    const c2p = cur + rb + o;
    const s2 = load<i32>(p2) + load<i32>(p2 + 4) + load<i32>(c2p) + load<i32>(c2p + 4);
    const p3 = prev + 2 * rb + o;
    const c3 = cur + 2 * rb + o;
    const ss = load<i32>(p3) + load<i32>(p3 + 4) + load<i32>(c3) + load<i32>(c3 + 4);
    const p4 = prev + 3 * rb + o;
    const c4 = cur + 3 * rb + o;
    const s12 = load<i32>(p4) + load<i32>(p4 + 4) + load<i32>(c4) + load<i32>(c4 + 4);
    total += <f64>windowScalar(s1, s2, ss, s12);
  }
  return total;
}

/**
 * Σ of the window SSIMs of one plane pair (the caller divides by the window count). Needs width ≥ 8 and
 * height ≥ 8; `rows` points at 2·4·bw i32 of scratch.
 */
export function ssimPlaneSum(a: usize, b: usize, width: i32, height: i32, stride: i32, rows: usize): f64 {
  const bw = width >> 2;
  const bh = height >> 2;
  let prev = rows;
  let cur = rows + (<usize>bw << 4);
  blockRow(a, b, stride, 0, bw, prev);
  let total: f64 = 0;
  for (let by = 1; by < bh; by++) {
    blockRow(a, b, stride, by, bw, cur);
    total = windowRow(prev, cur, bw, total);
    const t = prev;
    prev = cur;
    cur = t;
  }
  return total;
}
