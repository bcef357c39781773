import type { VideoSettings } from '../../schema/suite.js';
import { fnv1a32, mixSeeds, Rng } from './rng.js';
import { buildTexture, type Rgb, type Texture, type TexturePalette } from './texture.js';

/** What makes a sample's content unique. Params (degradations) are deliberately not part of it. */
export interface SceneKey {
  model: string;
  testId: string;
  prompt: string;
  seed: number;
  video: VideoSettings;
}

type ShapeKind = 'circle' | 'rect' | 'blob' | 'triangle';

type MotionPath =
  /** Straight line, reflected at the frame edges. */
  | { kind: 'linear'; x0: number; y0: number; vx: number; vy: number }
  | { kind: 'sine'; cx: number; cy: number; ax: number; ay: number; wx: number; wy: number; phase: number }
  | { kind: 'orbit'; cx: number; cy: number; rx: number; ry: number; omega: number; phase: number };

export interface SceneObject {
  shape: ShapeKind;
  color: Rgb;
  /** Circumradius in px: the object fits in a circle of this radius around its position. */
  radius: number;
  /** Rectangle aspect (half-height / half-width); 1 for other shapes. */
  aspect: number;
  /** Blob lobe amplitudes and phases (radius modulation); zero for other shapes. */
  lobes: readonly [number, number, number, number];
  path: MotionPath;
  angle0: number;
  /** Rotation, radians per frame. */
  spin: number;
}

type MotionLevel = 'still' | 'normal' | 'dynamic';

export interface Scene {
  width: number;
  height: number;
  numFrames: number;
  /** 32-bit hash of the SceneKey; sub-seeds (grain, failures, dropped frames) derive from it. */
  hash: number;
  motion: MotionLevel;
  /** Camera pan in px per frame; the background is sampled at offset pan·t. */
  pan: readonly [number, number];
  texture: Texture;
  objects: readonly SceneObject[];
}

const STILL_WORDS = ['static', 'still', 'interview', 'portrait', 'calm', 'stationary', 'frozen', 'tripod'];
const PAN_WORDS = [
  'timelapse',
  'time-lapse',
  'pan',
  'panning',
  'camera',
  'drone',
  'tracking',
  'flyover',
  'aerial',
];
const FAST_WORDS = [
  'fast',
  'running',
  'race',
  'racing',
  'chase',
  'speeding',
  'rushing',
  'explosion',
  'dance',
];

const SHAPE_WORDS: Record<string, ShapeKind> = {
  ball: 'circle',
  sun: 'circle',
  moon: 'circle',
  planet: 'circle',
  bubble: 'circle',
  eye: 'circle',
  circle: 'circle',
  car: 'rect',
  box: 'rect',
  building: 'rect',
  robot: 'rect',
  truck: 'rect',
  train: 'rect',
  square: 'rect',
  city: 'rect',
  cat: 'blob',
  dog: 'blob',
  fish: 'blob',
  cloud: 'blob',
  bird: 'blob',
  person: 'blob',
  man: 'blob',
  woman: 'blob',
  mountain: 'triangle',
  tree: 'triangle',
  boat: 'triangle',
  sail: 'triangle',
  rocket: 'triangle',
  triangle: 'triangle',
};

const COLOR_WORDS: Record<string, Rgb> = {
  red: [220, 40, 40],
  green: [50, 180, 70],
  blue: [40, 90, 220],
  yellow: [240, 210, 50],
  orange: [245, 140, 30],
  purple: [140, 60, 190],
  pink: [240, 120, 180],
  white: [245, 245, 240],
  black: [20, 20, 25],
  brown: [120, 75, 40],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
  golden: [230, 180, 60],
  silver: [190, 195, 200],
  cyan: [40, 200, 210],
};

/** Background moods: prompt words pick a palette (low, high colours) before the seed varies it. */
const MOODS: ReadonlyArray<{ words: readonly string[]; low: Rgb; high: Rgb }> = [
  { words: ['night', 'dark', 'space', 'stars', 'cave'], low: [10, 12, 30], high: [60, 60, 110] },
  { words: ['sunset', 'fire', 'desert', 'autumn', 'lava'], low: [120, 50, 20], high: [240, 170, 80] },
  {
    words: ['ocean', 'sea', 'water', 'rain', 'sky', 'river', 'underwater'],
    low: [20, 60, 120],
    high: [110, 180, 230],
  },
  {
    words: ['forest', 'grass', 'garden', 'jungle', 'field', 'park'],
    low: [25, 70, 30],
    high: [120, 180, 90],
  },
  { words: ['snow', 'winter', 'ice', 'cloudy', 'fog'], low: [170, 180, 195], high: [240, 245, 250] },
];

function promptWords(prompt: string): string[] {
  return prompt.toLowerCase().match(/[a-z][a-z-]*/g) ?? [];
}

export function sceneHash(key: SceneKey): number {
  const v = key.video;
  return fnv1a32(
    JSON.stringify([key.model, key.testId, key.prompt, key.seed, v.width, v.height, v.fps, v.num_frames]),
  );
}

/** Derives the complete, deterministic scene of one sample (layout, paths, palette, background texture). */
export function buildScene(key: SceneKey): Scene {
  const { width, height, num_frames: numFrames } = key.video;
  const hash = sceneHash(key);
  const rng = new Rng(mixSeeds(hash, 1));
  const words = promptWords(key.prompt);
  const has = (list: readonly string[]): boolean => words.some((w) => list.includes(w));
  // Motion is specified at 256 px and scales with the frame, so metrics see comparable motion at any size.
  const scale = Math.min(width, height) / 256;

  const motion: MotionLevel = has(STILL_WORDS) ? 'still' : has(FAST_WORDS) ? 'dynamic' : 'normal';
  const speedFactor = motion === 'still' ? 0.12 : motion === 'dynamic' ? 1.6 : 1;

  let panSpeed = 0;
  if (motion !== 'still') {
    if (has(PAN_WORDS)) panSpeed = rng.range(1.2, 2.6);
    else if (rng.next() < 0.35) panSpeed = rng.range(0.3, 1.0);
  }
  const panAngle = rng.range(0, 2 * Math.PI);
  const pan: [number, number] = [
    round4(panSpeed * scale * Math.cos(panAngle)),
    round4(panSpeed * scale * Math.sin(panAngle)),
  ];

  const mood = MOODS.find((m) => has(m.words));
  const palette = backgroundPalette(mood, rng);
  const texture = buildTexture(width, height, palette, new Rng(mixSeeds(hash, 2)));

  const shapeHints = words.flatMap((w) => (SHAPE_WORDS[w] === undefined ? [] : [SHAPE_WORDS[w]]));
  const colorHints = words.flatMap((w) => (COLOR_WORDS[w] === undefined ? [] : [COLOR_WORDS[w]]));
  const count = rng.int(3, 6);
  const objects: SceneObject[] = [];
  for (let i = 0; i < count; i++) {
    const shape: ShapeKind = shapeHints[i] ?? rng.pick(['circle', 'rect', 'blob', 'triangle'] as const);
    const color = jitterColor(colorHints[i] ?? randomObjectColor(rng), rng);
    objects.push(makeObject(shape, color, width, height, scale, speedFactor, rng));
  }
  return { width, height, numFrames, hash, motion, pan, texture, objects };
}

function makeObject(
  shape: ShapeKind,
  color: Rgb,
  width: number,
  height: number,
  scale: number,
  speedFactor: number,
  rng: Rng,
): SceneObject {
  const radius = rng.range(10, 34) * scale;
  // Speeds in px/frame at 256 px: a few pixels a frame keeps motion smooth yet clearly measurable.
  const speed = rng.range(1.2, 3.6) * scale * speedFactor;
  const margin = radius + 2;
  const cx = rng.range(margin, Math.max(margin, width - margin));
  const cy = rng.range(margin, Math.max(margin, height - margin));
  const kind = rng.pick(['linear', 'sine', 'orbit'] as const);
  let path: MotionPath;
  if (kind === 'linear') {
    const dir = rng.range(0, 2 * Math.PI);
    path = { kind, x0: cx, y0: cy, vx: speed * Math.cos(dir), vy: speed * Math.sin(dir) };
  } else if (kind === 'sine') {
    const ax = rng.range(0.1, 0.35) * width;
    const ay = rng.range(0.05, 0.25) * height;
    // Angular frequency chosen so the peak speed (a·w) equals the drawn speed.
    const wx = speed / Math.max(ax, 1);
    const wy = rng.range(0.5, 1.5) * wx;
    path = { kind, cx, cy, ax, ay, wx, wy, phase: rng.range(0, 2 * Math.PI) };
  } else {
    const rx = rng.range(0.1, 0.3) * Math.min(width, height);
    const ry = rx * rng.range(0.5, 1);
    const omega = (rng.next() < 0.5 ? -1 : 1) * (speed / Math.max(rx, 1));
    path = { kind, cx, cy, rx, ry, omega, phase: rng.range(0, 2 * Math.PI) };
  }
  const lobes: [number, number, number, number] =
    shape === 'blob'
      ? [rng.range(0.08, 0.18), rng.range(0, 6.3), rng.range(0.04, 0.1), rng.range(0, 6.3)]
      : [0, 0, 0, 0];
  return {
    shape,
    color,
    radius,
    aspect: shape === 'rect' ? rng.range(0.45, 1) : 1,
    lobes,
    path,
    angle0: rng.range(0, 2 * Math.PI),
    spin: rng.range(-0.04, 0.04) * speedFactor,
  };
}

/** Position (px) and rotation (rad) of an object at scene time t (frames, may be fractional). */
export function objectPose(
  obj: SceneObject,
  t: number,
  width: number,
  height: number,
): [number, number, number] {
  const p = obj.path;
  const angle = obj.angle0 + obj.spin * t;
  if (p.kind === 'linear') {
    const m = obj.radius;
    return [bounce(p.x0 + p.vx * t, m, width - m), bounce(p.y0 + p.vy * t, m, height - m), angle];
  }
  if (p.kind === 'sine') {
    return [
      p.cx + p.ax * Math.sin(p.wx * t + p.phase),
      p.cy + p.ay * Math.sin(p.wy * t + p.phase * 1.7),
      angle,
    ];
  }
  const a = p.omega * t + p.phase;
  return [p.cx + p.rx * Math.cos(a), p.cy + p.ry * Math.sin(a), angle];
}

/** Reflects v into [lo, hi] (a triangle wave), i.e. a ball bouncing between two walls. */
function bounce(v: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (span <= 0) return (lo + hi) / 2;
  const period = 2 * span;
  const u = (((v - lo) % period) + period) % period;
  return lo + (u <= span ? u : period - u);
}

function backgroundPalette(mood: { low: Rgb; high: Rgb } | undefined, rng: Rng): TexturePalette {
  if (mood !== undefined) {
    return { low: jitterColor(mood.low, rng), high: jitterColor(mood.high, rng), detail: rng.range(14, 24) };
  }
  const hue = rng.range(0, 360);
  return {
    low: hsv(hue, rng.range(0.3, 0.7), rng.range(0.15, 0.4)),
    high: hsv((hue + rng.range(20, 60)) % 360, rng.range(0.2, 0.6), rng.range(0.6, 0.9)),
    detail: rng.range(14, 24),
  };
}

function randomObjectColor(rng: Rng): Rgb {
  return hsv(rng.range(0, 360), rng.range(0.55, 0.95), rng.range(0.55, 1));
}

function jitterColor(c: Rgb, rng: Rng): Rgb {
  const j = (v: number): number => Math.min(255, Math.max(0, v + rng.range(-12, 12)));
  return [j(c[0]), j(c[1]), j(c[2])];
}

function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h / 60) % 6;
    return 255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

function round4(v: number): number {
  // Adding 0 turns −0 into 0, so a still camera reports [0, 0] in metadata.
  return Math.round(v * 1e4) / 1e4 + 0;
}
