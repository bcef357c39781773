import type { Command } from 'commander';
import { DEFAULT_MEASURE_METRICS, measureVideo } from '../../runs/measure-video.js';
import type { MetricValues } from '../../schema/values.js';
import { out } from '../io.js';

function leaves(
  values: MetricValues,
  prefix: string,
  acc: [string, number | null][] = [],
): [string, number | null][] {
  for (const [k, v] of Object.entries(values)) {
    const key = `${prefix}.${k}`;
    if (v !== null && typeof v === 'object') leaves(v, key, acc);
    else acc.push([key, v]);
  }
  return acc;
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(6);
}

export function registerMeasure(program: Command): void {
  program
    .command('measure')
    .description('measure pixel metrics on one video file (MP4, WebM, MKV, ...) without a suite')
    .argument('<video>', 'the video file to measure')
    .option(
      '--reference <file>',
      "truth video: adds full-reference ssim and psnr on the stored planes (as ffmpeg's filters), per frame and per clip",
    )
    .option('--metrics <names>', `comma-separated metrics (default: ${DEFAULT_MEASURE_METRICS.join(',')})`)
    .option('--json', 'print as JSON: video, full_reference (with per-frame values), no_reference')
    .action(async (video: string, flags: { reference?: string; metrics?: string; json?: boolean }) => {
      const metrics = flags.metrics
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const r = await measureVideo(video, { metrics, reference: flags.reference });
      if (flags.json) {
        out(JSON.stringify(r, null, 2));
        return;
      }
      const v = r.video;
      out(
        `${v.path}: ${v.width}x${v.height}, ${v.frameCount} frames at ${v.fps} fps (${v.codec}, ${v.pixelFormat})`,
      );
      const sections: { title: string; rows: [string, number | null][] }[] = [];
      const section = (title: string, values: Record<string, MetricValues>): void => {
        sections.push({ title, rows: Object.entries(values).flatMap(([name, mv]) => leaves(mv, name)) });
      };
      const full = r.full_reference;
      if (full !== undefined) {
        section(
          `full reference, against ${full.reference.path} (${full.planes} planes, as ffmpeg's ssim/psnr):`,
          full.metrics,
        );
      }
      section(
        `no reference${full === undefined ? '' : ', this video alone'} (ssim/psnr compare consecutive frames):`,
        r.no_reference.metrics,
      );
      const width = Math.max(...sections.flatMap((s) => s.rows.map(([k]) => k.length)));
      for (const s of sections) {
        out(s.title);
        for (const [k, val] of s.rows) out(`  ${k.padEnd(width)}  ${fmt(val)}`);
      }
    });
}
