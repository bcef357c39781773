import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import { lastMeaningfulLine, runProcess } from '../../platform/process.js';
import { locateFfmpeg } from '../../video/ffmpeg.js';
import { transcodeVideo } from '../../video/transcode.js';

/**
 * The I/O half of the VBench bridge: the exported videos folder and finding the results file VBench wrote.
 */

/** How a sample's video reached the export folder. */
export type ExportMethod = 'linked' | 'copied' | 'remuxed' | 'transcoded';

/** Hard link when possible (same filesystem, no copy), else copy. */
async function place(from: string, to: string): Promise<ExportMethod> {
  try {
    await fs.link(from, to);
    return 'linked';
  } catch {
    await fs.copyFile(from, to);
    return 'copied';
  }
}

/**
 * A video that is not .mp4 (artifacts.encode: vp9 gives .webm) is put into an MP4 container unchanged
 * (`-c copy`: VBench decodes the very pixels our metrics saw); only when the stream cannot go into MP4 is it
 * re-encoded, as H.264 at crf 0 (lossless on the planes, but a pixel-format change can still move pixels).
 */
async function toMp4(from: string, to: string, signal: AbortSignal): Promise<ExportMethod> {
  const { ffmpeg } = await locateFfmpeg();
  const r = await runProcess(
    ffmpeg,
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', `file:${from}`],
      ...['-map', '0:v:0', '-c', 'copy', '-an', '-f', 'mp4', `file:${to}`],
    ],
    { signal },
  );
  if (r.code === 0) return 'remuxed';
  await fs.rm(to, { force: true });
  try {
    await transcodeVideo(from, to.slice(0, -'.mp4'.length), 'h264', { crf: 0, signal });
  } catch (e) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: cannot export ${from} as .mp4 (remux: ${lastMeaningfulLine(r.stderrTail)}; ` +
        `re-encode: ${(e as Error).message})`,
      { hint: 'VBench reads .mp4 files only; check that the video plays', file: from, cause: e },
    );
  }
  return 'transcoded';
}

/**
 * Builds `dir` afresh with one `<name>.mp4` per sample: VBench's custom_input takes every .mp4 of the folder
 * and standard mode takes the extension of the first file listed, so nothing else may be in it (a resumed
 * run must not leave the names of an earlier session).
 */
export async function exportVideos(
  videos: readonly { sampleId: string; videoPath: string }[],
  names: ReadonlyMap<string, string>,
  dir: string,
  signal: AbortSignal,
): Promise<Map<string, ExportMethod>> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const out = new Map<string, ExportMethod>();
  for (const v of videos) {
    const name = names.get(v.sampleId);
    if (name === undefined) throw new TemporalCIError('INTERNAL', `no VBench name for sample ${v.sampleId}`);
    const to = path.join(dir, name);
    const method =
      path.extname(v.videoPath).toLowerCase() === '.mp4'
        ? await place(v.videoPath, to)
        : await toMp4(v.videoPath, to, signal);
    out.set(v.sampleId, method);
  }
  return out;
}

const RESULTS_SUFFIX = '_eval_results.json';

/**
 * The newest `<name>_eval_results.json` in `dir`. VBench's CLI names it `results_<%Y-%m-%d-%H:%M:%S>` itself
 * (no option sets the name), so the file is found, not predicted; newest by modification time, then by name,
 * whose timestamp sorts chronologically.
 */
export async function newestResults(dir: string, hint: string): Promise<string> {
  const entries = await fs.readdir(dir).catch((e: unknown) => {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: cannot list ${dir}: ${(e as Error).message}`,
      { hint, file: dir },
    );
  });
  const found: { file: string; mtime: number }[] = [];
  for (const name of entries) {
    if (!name.endsWith(RESULTS_SUFFIX)) continue;
    const file = path.join(dir, name);
    const st = await fs.stat(file);
    if (st.isFile()) found.push({ file, mtime: st.mtimeMs });
  }
  found.sort((a, b) => b.mtime - a.mtime || b.file.localeCompare(a.file));
  const newest = found[0];
  if (newest === undefined) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: no *${RESULTS_SUFFIX} in ${dir} (it has: ${entries.slice(0, 8).join(', ') || 'nothing'})`,
      { hint, file: dir },
    );
  }
  return newest.file;
}

/** The results file to read for `results:` — a file as given, or the newest results file of a folder. */
export async function resolveResults(given: string): Promise<string> {
  const st = await fs.stat(given).catch((e: unknown) => {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: cannot read ${given}: ${(e as Error).message}`,
      { hint: '`results` is resolved against the suite folder', file: given },
    );
  });
  if (!st.isDirectory()) return given;
  return newestResults(
    given,
    'a `results` folder must hold the results_<timestamp>_eval_results.json VBench wrote',
  );
}

export async function readResultsText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: cannot read ${file}: ${(e as Error).message}`,
      { hint: 'VBench writes <output_path>/results_<timestamp>_eval_results.json', file },
    );
  }
}
