import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { lastMeaningfulLine, runProcess } from '../platform/process.js';
import { locateFfmpeg, passthroughArgs } from './ffmpeg.js';

export interface Thumbnails {
  /** A mid-clip frame at up to `posterWidth` pixels wide, for the <video poster>. */
  poster: string;
  /** Evenly spaced frames, small, in clip order. */
  strip: string[];
}

export interface ThumbnailOptions {
  /** Frames in the clip (from the probe); picks which frames the strip shows. */
  frameCount: number;
  count?: number;
  stripWidth?: number;
  posterWidth?: number;
  /** Blur the pixels themselves (flagged content in reports): no unblurred copy is ever written. */
  blur?: boolean;
  signal?: AbortSignal;
}

/**
 * The blur for flagged frames: a Gaussian whose sigma is a tenth of the output width, so shapes and colours
 * stay recognisable as "a scene" but no detail survives, whatever the thumbnail size.
 */
function blurFilter(width: number, blur: boolean | undefined): string {
  return blur === true ? `,gblur=sigma=${(width / 10).toFixed(1)}:steps=3` : '';
}

/** Frame indexes for a strip of `count` frames spread over the clip, first and last included. */
function stripFrameIndexes(frameCount: number, count: number): number[] {
  const n = Math.max(1, Math.min(count, frameCount));
  if (n === 1) return [0];
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round((i * (frameCount - 1)) / (n - 1)));
  return [...out];
}

async function ffmpeg(args: string[], what: string, signal?: AbortSignal): Promise<void> {
  const install = await locateFfmpeg();
  const r = await runProcess(install.ffmpeg, args, { signal });
  if (r.code !== 0) {
    throw new TemporalCIError(
      'FFMPEG_FAILED',
      `${what} failed (ffmpeg: "${lastMeaningfulLine(r.stderrTail)}")`,
      {
        hint: 'check that the video plays, e.g. `ffplay <file>`',
      },
    );
  }
}

/**
 * Writes `<prefix>-poster.jpg` and `<prefix>-NN.jpg` into `outDir` with ffmpeg. The strip uses `select` on
 * frame numbers with passthrough timing, so it shows exactly the chosen decoded frames, not frames ffmpeg
 * duplicated or dropped to hit a rate. Files are small JPEGs (scaled, q 5) because a report may hold dozens.
 */
export async function writeThumbnails(
  video: string,
  outDir: string,
  prefix: string,
  opts: ThumbnailOptions,
): Promise<Thumbnails> {
  await fs.mkdir(outDir, { recursive: true });
  const install = await locateFfmpeg();
  const indexes = stripFrameIndexes(Math.max(1, opts.frameCount), opts.count ?? 8);
  const stripWidth = opts.stripWidth ?? 96;
  const posterWidth = opts.posterWidth ?? 480;
  const common = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-noautorotate',
    '-i',
    `file:${video}`,
  ];
  const select = indexes.map((i) => `eq(n\\,${i})`).join('+');
  const pattern = path.join(outDir, `${prefix}-%02d.jpg`);
  await ffmpeg(
    [
      ...common,
      ...['-vf', `select=${select},scale='min(${stripWidth},iw)':-2${blurFilter(stripWidth, opts.blur)}`],
      ...(await passthroughArgs(install)),
      ...['-q:v', '5', '-frames:v', String(indexes.length), `file:${pattern}`],
    ],
    `thumbnails of ${video}`,
    opts.signal,
  );
  const mid = indexes[Math.floor(indexes.length / 2)] ?? 0;
  const poster = path.join(outDir, `${prefix}-poster.jpg`);
  await ffmpeg(
    [
      ...common,
      ...[
        '-vf',
        `select=eq(n\\,${mid}),scale='min(${posterWidth},iw)':-2${blurFilter(posterWidth, opts.blur)}`,
      ],
      ...(await passthroughArgs(install)),
      ...['-q:v', '4', '-frames:v', '1', `file:${poster}`],
    ],
    `poster of ${video}`,
    opts.signal,
  );
  const strip: string[] = [];
  for (let i = 1; i <= indexes.length; i++) {
    const file = path.join(outDir, `${prefix}-${String(i).padStart(2, '0')}.jpg`);
    try {
      await fs.access(file);
      strip.push(file);
    } catch {
      break; // a clip shorter than its header said: show the frames that exist
    }
  }
  return { poster, strip };
}
