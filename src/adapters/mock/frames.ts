import { type Degradation, degradeFrame, planTimeline, REPEAT } from './degrade.js';
import { quantize, renderFrame } from './render.js';
import { buildScene, type Scene, type SceneKey } from './scene.js';

/**
 * Produces one sample's rgb24 frames one at a time (bounded memory: two float work buffers and the last
 * output frame, whatever the clip length). Each returned buffer is fresh and owned by the caller, so an
 * encoder may still be flushing the previous frame while the next one is rendered.
 */
export class MockFrameSource {
  readonly scene: Scene;
  /** Per output frame: the scene time rendered, or REPEAT (an exact copy of the previous frame). */
  readonly plan: Int32Array;
  private readonly degradation: Degradation;
  private readonly work: Float32Array;
  private readonly scratch: Float32Array;
  private last: Uint8Array | undefined;
  private t = 0;

  constructor(key: SceneKey, degradation: Degradation) {
    this.scene = buildScene(key);
    this.degradation = degradation;
    this.plan = planTimeline(this.scene.numFrames, degradation, this.scene.hash);
    const size = this.scene.width * this.scene.height * 3;
    this.work = new Float32Array(size);
    this.scratch = new Float32Array(degradation.blurSigma > 0 ? size : 0);
  }

  get frameCount(): number {
    return this.scene.numFrames;
  }

  /** Index of the frame the next call to `next` returns. */
  get position(): number {
    return this.t;
  }

  /** The next frame, or undefined after the last one. */
  next(): Uint8Array | undefined {
    const t = this.t;
    if (t >= this.scene.numFrames) return undefined;
    this.t++;
    const sceneTime = this.plan[t]!;
    if (sceneTime === REPEAT && this.last !== undefined) {
      this.last = this.last.slice();
      return this.last;
    }
    // Frame 0 is never planned as REPEAT; the fallback to t only guards a hand-made plan.
    const time = sceneTime === REPEAT ? t : sceneTime;
    const { width, height } = this.scene;
    renderFrame(this.scene, time, this.work);
    degradeFrame(this.work, width, height, t, time, this.degradation, this.scene.hash, this.scratch);
    const out = new Uint8Array(this.work.length);
    quantize(this.work, out);
    this.last = out;
    return out;
  }
}
