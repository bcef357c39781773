import { TemporalCIError } from '../../../errors.js';
import type { FrameView } from '../../../video/frame-view.js';
import type { PlanePair } from './ssim.js';

/**
 * The plane pairs ffmpeg's ssim/psnr filters would compare for two frames: Y with Y, U with U, V with V of
 * the stored planes. Both frames must hold the same layout — the filters refuse inputs of different pixel
 * formats ("Inputs must be of same pixel format"), and so do we rather than compare a 4:2:0 chroma plane
 * with a 4:4:4 one.
 */
export function planePairs(metric: string, a: FrameView, b: FrameView): PlanePair[] {
  const pa = a.planes;
  const pb = b.planes;
  if (pa.format.name !== pb.format.name) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `${metric}: frame ${a.index} has ${pa.format.name} planes, the frame it is compared with has ${pb.format.name}`,
      {
        hint: 'decode both videos with decodeFrameViews (the truth stream passes its layout to the other side)',
      },
    );
  }
  return pa.planes.map((p, k) => ({ a: p.data, b: pb.planes[k]!.data, width: p.width, height: p.height }));
}
