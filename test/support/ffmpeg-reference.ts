import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../src/platform/process.js';
import { locateFfmpeg } from '../../src/video/ffmpeg.js';

/**
 * Runs an ffmpeg 5.1 filter on raw frames and returns what it printed per frame, so kernel ports can be
 * compared with the real filter on byte-identical input. Frames go in as rawvideo files (no codec, no
 * scaling: ffmpeg sees exactly our bytes), per-frame values come from `metadata=print` and clip summaries
 * from the log.
 */

export type RawFormat = 'gray' | 'yuv420p' | 'yuvj420p';

export interface RawClip {
  /** Each frame in `format`'s planar layout (see yuv420FromLuma). */
  frames: readonly Uint8Array[];
  width: number;
  height: number;
  format: RawFormat;
}

export interface FilterRun {
  /** One record per output frame: metadata key → printed value. */
  frames: Array<Record<string, string>>;
  /** The tail of ffmpeg's log (filters print their clip summaries there at exit). */
  log: string;
}

/** Bytes of one frame in a raw format; chroma planes round up, as ffmpeg's rawvideo demuxer does. */
export function rawFrameSize(format: RawFormat, width: number, height: number): number {
  if (format === 'gray') return width * height;
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** A yuv420p/yuvj420p frame whose Y plane is `luma`; U and V are the given planes or flat 128. */
export function yuv420FromLuma(
  luma: Uint8Array,
  width: number,
  height: number,
  chroma?: { u: Uint8Array; v: Uint8Array },
): Uint8Array {
  const csize = Math.ceil(width / 2) * Math.ceil(height / 2);
  const out = new Uint8Array(width * height + 2 * csize);
  out.set(luma.subarray(0, width * height), 0);
  if (chroma === undefined) out.fill(128, width * height);
  else {
    out.set(chroma.u.subarray(0, csize), width * height);
    out.set(chroma.v.subarray(0, csize), width * height + csize);
  }
  return out;
}

/**
 * Run `graph` over the clips. In the graph, `[in0]`, `[in1]`… are the inputs with timestamps normalised
 * (setpts=PTS-STARTPTS, so two inputs pair frame by frame) and `[out]` must be the pad whose per-frame
 * metadata is printed.
 */
export async function runFilter(clips: readonly RawClip[], graph: string): Promise<FilterRun> {
  const { ffmpeg } = await locateFfmpeg();
  const dir = await mkdtemp(join(tmpdir(), 'tci-ffref-'));
  try {
    const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
    const pre: string[] = [];
    for (const [i, clip] of clips.entries()) {
      const size = rawFrameSize(clip.format, clip.width, clip.height);
      const data = new Uint8Array(size * clip.frames.length);
      for (const [k, f] of clip.frames.entries()) {
        if (f.length !== size)
          throw new Error(`clip ${i} frame ${k} has ${f.length} bytes, expected ${size}`);
        data.set(f, k * size);
      }
      const file = join(dir, `in${i}.raw`);
      await writeFile(file, data);
      args.push('-f', 'rawvideo', '-pix_fmt', clip.format, '-s', `${clip.width}x${clip.height}`);
      args.push('-framerate', '25', '-i', file);
      pre.push(`[${i}:v]setpts=PTS-STARTPTS[in${i}]`);
    }
    const meta = join(dir, 'meta.txt');
    const lavfi = `${pre.join(';')};${graph.replace('[out]', '')},metadata=print:file=${meta}`;
    args.push('-lavfi', lavfi, '-f', 'null', '-');
    const res = await runProcess(ffmpeg, args);
    if (res.code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${res.code}):\n${res.stderrTail}`);
    return { frames: parseMetadataPrint(await readFile(meta, 'utf8')), log: res.stderrTail };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses `metadata=print` output: a `frame:N pts:…` line starts a record, `key=value` lines fill it. */
export function parseMetadataPrint(text: string): Array<Record<string, string>> {
  const frames: Array<Record<string, string>> = [];
  let cur: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (/^frame:\d+/.test(line)) {
      cur = {};
      frames.push(cur);
      continue;
    }
    const eq = line.indexOf('=');
    if (cur !== undefined && eq > 0) cur[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return frames;
}

/** A printed value as a number: `inf`, `-inf` and `nan` as C's printf writes them. */
export function cNumber(s: string | undefined): number {
  if (s === undefined) throw new Error('ffmpeg did not print this value');
  if (s === 'inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  if (s === 'nan' || s === '-nan') return Number.NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`not a number: ${s}`);
  return v;
}

/**
 * The first capture of the LAST match of `pattern` in the log. Last, because ffmpeg may configure a graph
 * twice and the discarded instance prints an empty summary (zeros) at its uninit first.
 */
export function logValue(log: string, pattern: RegExp): number {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const matches = [...log.matchAll(new RegExp(pattern.source, flags))];
  const m = matches[matches.length - 1];
  if (m?.[1] === undefined) throw new Error(`${pattern} not found in ffmpeg log:\n${log}`);
  return cNumber(m[1]);
}

/** |a − b|, treating equal infinities as 0 and any NaN as a failure (Infinity). */
export function absDiff(a: number, b: number): number {
  if (a === b) return 0;
  const d = Math.abs(a - b);
  return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
}

/** Deterministic gray8 test planes (mulberry32), small enough for two shared cores. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform noise in [lo, hi]. */
export function noisePlane(width: number, height: number, seed: number, lo = 0, hi = 255): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = lo + Math.floor(r() * (hi - lo + 1));
  return out;
}

/** A diagonal ramp shifted by `phase` levels, wrapping at 256 (a smooth picture with one hard edge). */
export function gradientPlane(width: number, height: number, phase: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (x * 2 + y + phase) & 255;
  }
  return out;
}

/**
 * A smooth random texture (box-blurred noise) seen through a window that pans `dx` px per frame: real
 * motion with new content entering at the edge, like a camera pan.
 */
export function movingTexture(
  width: number,
  height: number,
  frames: number,
  dx: number,
  seed: number,
): Uint8Array[] {
  const tw = width + Math.abs(dx) * frames + 4;
  const src = noisePlane(tw, height + 4, seed);
  const tex = new Uint8Array(tw * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (let k = 0; k < 3; k++)
        for (let j = 0; j < 3; j++) s += src[(y + k) * tw + Math.min(tw - 1, x + j)]!;
      tex[y * tw + x] = Math.round(s / 9);
    }
  }
  const out: Uint8Array[] = [];
  for (let t = 0; t < frames; t++) {
    const off = dx >= 0 ? t * dx : (frames - 1 - t) * -dx;
    const f = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) f.set(tex.subarray(y * tw + off, y * tw + off + width), y * width);
    out.push(f);
  }
  return out;
}
