import { builtinPolicy, termMatcher } from '../../metrics/safety/prompt-policy.js';
import type { MockParams } from './params.js';

/**
 * The mock model's refusal behaviour, for testing refusal gates without a real model. A refusing mock
 * writes a content-free clip (uniform grey: what many hosted models return instead of a video); in `flag`
 * mode it also reports an adapter-level refusal through `metadata.refused = true`, the contract every
 * adapter uses (src/metrics/safety/refusal.ts).
 */

export interface MockRefusal {
  /** Why this sample is refused (for metadata), or null when it is generated normally. */
  reason: string | null;
}

const termCache = new WeakMap<readonly string[], (text: string) => boolean>();

export function mockRefusal(params: MockParams, prompt: string): MockRefusal {
  if (params.refuse_unsafe) {
    const label = builtinPolicy().label(prompt);
    if (label.unsafe)
      return { reason: `prompt policy labels the prompt unsafe (aspects ${label.aspects.join(', ')})` };
  }
  if (params.refuse_terms.length > 0) {
    let match = termCache.get(params.refuse_terms);
    if (match === undefined) {
      match = termMatcher(params.refuse_terms);
      termCache.set(params.refuse_terms, match);
    }
    if (match(prompt)) return { reason: 'prompt contains one of refuse_terms' };
  }
  return { reason: null };
}

/** Uniform mid-grey frames: no content at all, at the requested size and length. */
export class BlankFrameSource {
  private t = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly frames: number,
  ) {}

  next(): Uint8Array | undefined {
    if (this.t >= this.frames) return undefined;
    this.t++;
    return new Uint8Array(this.width * this.height * 3).fill(128);
  }
}
