import type { Readable } from 'node:stream';
import { type ChildGroup, spawnChild } from '../platform/process.js';

/**
 * One ffmpeg process writing several rawvideo outputs, each to its own pipe (stdout, then fd 3, 4, …), and a
 * reader that cuts each pipe into frames and yields them as matched sets (frame i of every output together).
 * It is how a frame is decoded once and delivered both as rgb24 and as its stored planes.
 * The process is the platform's (src/platform/process.ts): its own group, killed whole on abort.
 */

export interface MultiOutputProcess extends ChildGroup {
  /** The output pipes in order: `pipe:1`, `pipe:3`, `pipe:4`, … in ffmpeg's arguments. */
  outputs: Readable[];
}

/** The ffmpeg output URL of output k (0-based): stdout, then the extra pipes from fd 3. */
export function outputUrl(k: number): string {
  return k === 0 ? 'pipe:1' : `pipe:${k + 2}`;
}

export function spawnMultiOutput(
  command: string,
  args: readonly string[],
  outputs: number,
  signal?: AbortSignal,
): MultiOutputProcess {
  const extra = Math.max(0, outputs - 1);
  const proc = spawnChild(command, args, { ...(signal ? { signal } : {}), extraPipes: extra });
  const { child } = proc;
  const streams = [
    child.stdout,
    ...Array.from({ length: extra }, (_, i) => child.stdio[3 + i]),
  ] as Readable[];
  return {
    ...proc,
    outputs: streams,
    kill: () => {
      // 'close' waits for every pipe to close, and a paused pipe with unread data never would.
      for (const st of streams) st.destroy();
      return proc.kill();
    },
  };
}

/** Frames queued per pipe before it is paused: enough to absorb ffmpeg writing the outputs in turn. */
const HIGH_WATER_FRAMES = 2;

/** Cuts one pipe into fixed-size frames, each in its own buffer. */
class FrameCutter {
  readonly queue: Uint8Array[] = [];
  ended = false;
  error: Error | undefined;
  /** Set once another output has ended: read this one to its end (leftovers are reported, not waited on). */
  draining = false;
  private current: Uint8Array | undefined;
  filled = 0;

  constructor(
    readonly stream: Readable,
    readonly frameSize: number,
    wake: () => void,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.cut(chunk);
      // A pipe is paused only while it is ahead: the consumer never waits on a paused pipe (it waits on an
      // empty queue, and an empty queue's pipe is flowing), so the outputs cannot deadlock each other.
      if (this.queue.length >= HIGH_WATER_FRAMES && !this.draining) stream.pause();
      wake();
    });
    stream.once('end', () => {
      this.ended = true;
      wake();
    });
    stream.once('error', (e) => {
      this.error = e;
      wake();
    });
  }

  private cut(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      this.current ??= new Uint8Array(this.frameSize);
      const n = Math.min(this.frameSize - this.filled, bytes.length - offset);
      this.current.set(bytes.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSize) {
        this.queue.push(this.current);
        this.current = undefined;
        this.filled = 0;
      }
    }
  }

  take(): Uint8Array {
    const f = this.queue.shift()!;
    if (this.queue.length < HIGH_WATER_FRAMES && this.stream.isPaused()) this.stream.resume();
    return f;
  }
}

/** How the pipes ended, for the caller's checks once the process has exited. */
export interface FrameSetEnd {
  /** Frame sets yielded. */
  sets: number;
  /** Per output: bytes of an incomplete last frame (0 when the pipe ended on a frame boundary). */
  partial: number[];
  /** Per output: whole frames left over because another output ended sooner. */
  leftover: number[];
}

/**
 * Frame i of every pipe, together, until a pipe ends; `end` is filled in when the generator finishes
 * normally. Breaking out early leaves the pipes to the caller (which kills the process).
 */
export async function* readFrameSets(
  streams: readonly Readable[],
  frameSizes: readonly number[],
  end: FrameSetEnd,
): AsyncGenerator<Uint8Array[]> {
  let waiter: (() => void) | undefined;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const cutters = streams.map((s, k) => new FrameCutter(s, frameSizes[k]!, wake));
  let sets = 0;
  for (;;) {
    const failed = cutters.find((c) => c.error !== undefined);
    if (failed !== undefined) throw failed.error;
    if (cutters.every((c) => c.queue.length > 0)) {
      sets++;
      yield cutters.map((c) => c.take());
      continue;
    }
    if (cutters.some((c) => c.queue.length === 0 && c.ended)) {
      // One output is done: the others must end too (they all close when ffmpeg exits). Read them to the
      // end so an output with frames to spare cannot hang on a pause; the caller reports the leftovers.
      if (cutters.every((c) => c.ended)) break;
      for (const c of cutters) {
        c.draining = true;
        if (c.stream.isPaused()) c.stream.resume();
      }
    }
    await new Promise<void>((resolve) => {
      waiter = resolve;
    });
  }
  end.sets = sets;
  end.partial = cutters.map((c) => c.filled);
  end.leftover = cutters.map((c) => c.queue.length);
}
