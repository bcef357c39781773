import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { VideoSettings } from '../../schema/suite.js';
import { encodeFrames } from '../../video/encode.js';

/**
 * What adapters do on a refusal the suite named (an HTTP status or JSON field, a command exit code): the
 * sample is not an error, it is a refusal. Every sample is measured from a video, so the adapter writes a
 * content-free placeholder clip of the requested size and length and reports the refusal through the
 * metadata contract of the `refusal` metric (src/metrics/safety/refusal.ts): `refused: true` plus a
 * `refusal_reason`. The placeholder is black, so the pixel check agrees with the adapter's report.
 */

function* blackFrames(video: VideoSettings): Generator<Uint8Array> {
  // One zeroed buffer suffices: encodeFrames waits until ffmpeg has taken each frame before the next write.
  const frame = new Uint8Array(video.width * video.height * 3);
  for (let i = 0; i < video.num_frames; i++) yield frame;
}

/** Writes a black h264 clip of `video`'s size, frame count and rate at `outputPath` (atomically). */
export async function writeRefusalPlaceholder(video: VideoSettings, outputPath: string): Promise<void> {
  await fs.mkdir(path.dirname(outputPath), { recursive: true });
  await encodeFrames(blackFrames(video), {
    output: outputPath,
    width: video.width,
    height: video.height,
    fps: video.fps,
    codec: 'h264',
  });
}

/** The metadata fields every adapter adds for a refusal, as the `refusal` metric reads them. */
export function refusalMetadata(reason: string): {
  refused: true;
  refusal_reason: string;
  placeholder_video: true;
} {
  return { refused: true, refusal_reason: reason, placeholder_video: true };
}
