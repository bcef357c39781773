import { TemporalCIError } from '../errors.js';
import type { VideoMismatch } from '../schema/run.js';
import type { VideoSettings } from '../schema/suite.js';
import type { VideoInfo } from '../video/types.js';

/** fps read back from a container is a rational (24000/1001); a 1 % difference is a different rate. */
const FPS_TOLERANCE = 0.01;

/** How the video a model returned differs from the one it was asked for; null when it matches. */
export function videoMismatchOf(expected: VideoSettings, info: VideoInfo): VideoMismatch | null {
  const got = { num_frames: info.frameCount, fps: info.fps, width: info.width, height: info.height };
  const fields: VideoMismatch['fields'] = [];
  if (got.num_frames !== expected.num_frames) fields.push('num_frames');
  if (Math.abs(got.fps - expected.fps) > FPS_TOLERANCE * expected.fps) fields.push('fps');
  if (got.width !== expected.width) fields.push('width');
  if (got.height !== expected.height) fields.push('height');
  if (fields.length === 0) return null;
  const { num_frames, fps, width, height } = expected;
  return { expected: { num_frames, fps, width, height }, got, fields };
}

export function describeMismatch(m: VideoMismatch): string {
  const parts: string[] = [];
  if (m.fields.includes('num_frames'))
    parts.push(`${m.got.num_frames} frames for ${m.expected.num_frames} requested`);
  if (m.fields.includes('width') || m.fields.includes('height')) {
    parts.push(`${m.got.width}x${m.got.height} for ${m.expected.width}x${m.expected.height}`);
  }
  if (m.fields.includes('fps')) parts.push(`${Number(m.got.fps.toFixed(3))} fps for ${m.expected.fps}`);
  return parts.join(', ');
}

export function videoMismatchError(m: VideoMismatch): TemporalCIError {
  return new TemporalCIError(
    'VIDEO_INVALID',
    `the video does not match the request: ${describeMismatch(m)}`,
    {
      hint: 'fix the model or its adapter params so it returns what the test asks for, or set run.video_mismatch: warn to measure it anyway',
    },
  );
}

/** Refused before decoding: measuring a huge video would take the run's time, not tell about the model. */
export function checkPixelBudget(info: VideoInfo, maxPixels: number): void {
  const pixels = info.width * info.height * info.frameCount;
  if (pixels > maxPixels) {
    throw new TemporalCIError(
      'VIDEO_INVALID',
      `the video is ${info.width}x${info.height} × ${info.frameCount} frames = ${pixels} pixels, over run.max_video_pixels ${maxPixels}`,
      { hint: 'ask for a smaller video, or raise run.max_video_pixels' },
    );
  }
}
