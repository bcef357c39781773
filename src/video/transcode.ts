import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TemporalCIError } from '../errors.js';
import { lastMeaningfulLine, runProcess } from '../platform/process.js';
import { codecOutput } from './encode.js';
import { locateFfmpeg } from './ffmpeg.js';
import type { VideoCodec } from './types.js';

/**
 * Re-encodes a video into the codec the suite keeps artifacts in (`artifacts.encode`). Written under a
 * temporary name and renamed, so `output` is either the whole new file or absent. Returns the output path,
 * whose extension follows the codec's container (.mp4 or .webm).
 */
export async function transcodeVideo(
  input: string,
  outputWithoutExt: string,
  codec: VideoCodec,
  opts: { crf?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const { ffmpeg } = await locateFfmpeg();
  const { args, extension } = codecOutput(codec, opts.crf);
  const output = `${outputWithoutExt}${extension}`;
  const temp = join(
    dirname(output),
    `.${basename(output)}.${randomBytes(4).toString('hex')}.tmp${extension}`,
  );
  const r = await runProcess(
    ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-i',
      `file:${input}`,
      '-an',
      ...args,
      `file:${temp}`,
    ],
    { signal: opts.signal },
  );
  if (r.code !== 0) {
    await rm(temp, { force: true });
    const line = lastMeaningfulLine(r.stderrTail);
    throw new TemporalCIError(
      'FFMPEG_FAILED',
      `re-encoding ${input} to ${codec} failed${line ? `: "${line}"` : ''}`,
      {
        hint: 'run `temporalci doctor` to check that this ffmpeg has the encoder',
        file: input,
      },
    );
  }
  await rename(temp, output);
  return output;
}
