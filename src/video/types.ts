/** What ffprobe tells us about a video file. */
export interface VideoInfo {
  path: string;
  width: number;
  height: number;
  /** Frames per second, from the stream's average frame rate. */
  fps: number;
  /** Exact count of decodable frames (ffprobe -count_frames when the container does not say). */
  frameCount: number;
  codec: string;
  durationSec: number;
  pixelFormat: string;
}

export type RawPixelFormat = 'rgb24' | 'gray';

/**
 * One decoded frame. `data` is packed rgb24 (w*h*3 bytes) or gray8 (w*h bytes) as requested.
 * Each frame owns its buffer: a consumer may keep it after the iterator advances.
 */
export interface Frame {
  index: number;
  width: number;
  height: number;
  format: RawPixelFormat;
  data: Uint8Array;
}

export type VideoCodec = 'h264' | 'h265' | 'vp9';

export interface EncodeOptions {
  output: string;
  width: number;
  height: number;
  fps: number;
  codec?: VideoCodec;
  /** Constant rate factor; lower is better quality. Defaults per codec. */
  crf?: number;
}
