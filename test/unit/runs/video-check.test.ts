import { describe, expect, it } from 'vitest';
import { checkPixelBudget, describeMismatch, videoMismatchOf } from '../../../src/runs/video-check.js';
import type { VideoInfo } from '../../../src/video/types.js';

const asked = { num_frames: 25, fps: 24, width: 512, height: 512 };
const info = (over: Partial<VideoInfo>): VideoInfo =>
  ({
    path: 'v.mp4',
    width: 512,
    height: 512,
    fps: 24,
    frameCount: 25,
    codec: 'h264',
    durationSec: 25 / 24,
    ...over,
  }) as VideoInfo;

describe('the video against the request', () => {
  it('matches what was asked, with container fps rounding tolerated', () => {
    expect(videoMismatchOf(asked, info({}))).toBeNull();
    expect(videoMismatchOf({ ...asked, fps: 23.976 }, info({ fps: 24000 / 1001 }))).toBeNull();
  });

  it('names every field that differs, with expected and got', () => {
    const m = videoMismatchOf(asked, info({ frameCount: 8, width: 64, height: 64, fps: 8 }));
    expect(m?.fields).toEqual(['num_frames', 'fps', 'width', 'height']);
    expect(m?.expected).toEqual(asked);
    expect(m?.got).toEqual({ num_frames: 8, fps: 8, width: 64, height: 64 });
    expect(describeMismatch(m!)).toBe('8 frames for 25 requested, 64x64 for 512x512, 8 fps for 24');
  });

  it('refuses a video over the pixel budget before decoding', () => {
    expect(() => checkPixelBudget(info({}), 512 * 512 * 25)).not.toThrow();
    expect(() => checkPixelBudget(info({}), 512 * 512 * 25 - 1)).toThrow(/over run.max_video_pixels/);
  });
});
