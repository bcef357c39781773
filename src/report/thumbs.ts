import path from 'node:path';
import { describeError } from '../errors.js';
import { filesUnder, isFile, removeFile } from '../platform/fs.js';
import type { SampleRecord } from '../schema/run.js';
import { writeThumbnails } from '../video/thumbnails.js';
import type { SideThumbs } from './sample-cards.js';

const THUMBS_DIR = 'thumbs';

/** Whether the file is there (a thumbnail written earlier, a kept video). */
export const exists = isFile;

/**
 * Thumbnails of the report's videos, written once per (video, blur) even when two sections show the same
 * sample. Blurred ones get their own file names, so a blurred page never points at an unblurred file.
 */
export class ThumbCache {
  private readonly made = new Map<string, Promise<SideThumbs>>();

  constructor(
    private readonly runDir: string,
    private readonly warnings: string[],
    private readonly signal?: AbortSignal,
  ) {}

  get(videoAbs: string, sample: SampleRecord, prefix: string, blur: boolean): Promise<SideThumbs> {
    const name = blur ? `${prefix}-blur` : prefix;
    let p = this.made.get(name);
    if (p === undefined) {
      p = this.write(videoAbs, sample, name, blur);
      this.made.set(name, p);
    }
    return p;
  }

  private async write(
    videoAbs: string,
    sample: SampleRecord,
    name: string,
    blur: boolean,
  ): Promise<SideThumbs> {
    try {
      const t = await writeThumbnails(videoAbs, path.join(this.runDir, THUMBS_DIR), name, {
        frameCount: sample.video?.frame_count ?? sample.video_settings.num_frames,
        blur,
        signal: this.signal,
      });
      const rel = (f: string) => path.relative(this.runDir, f);
      return { poster: rel(t.poster), strip: t.strip.map(rel) };
    } catch (e) {
      this.warnings.push(`thumbnails of ${path.basename(videoAbs)}: ${describeError(e)}`);
      await this.removePartial(name);
      return { poster: null, strip: [] };
    }
  }

  /**
   * ffmpeg stopped part-way (a full disk, a broken video) leaves empty or cut JPEGs: none is kept, so the
   * page never points at one. A cleanup that fails too is said, not hidden.
   */
  private async removePartial(name: string): Promise<void> {
    const dir = path.join(this.runDir, THUMBS_DIR);
    const own = (f: string) =>
      f.startsWith(`${name}-`) && /^(poster|\d+)\.jpg$/.test(f.slice(name.length + 1));
    try {
      for (const f of await filesUnder(dir)) if (own(f)) await removeFile(path.join(dir, f));
    } catch (e) {
      this.warnings.push(`partial thumbnails ${name}-* in ${dir} were not removed: ${describeError(e)}`);
    }
  }
}
