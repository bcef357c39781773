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
    .option('--reference <file>', 'truth video: adds full-reference ssim and psnr per frame and per clip')
    .option('--metrics <names>', `comma-separated metrics (default: ${DEFAULT_MEASURE_METRICS.join(',')})`)
    .option('--json', 'print as JSON (with per-frame reference values)')
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
      out(`${v.path}: ${v.width}x${v.height}, ${v.frameCount} frames at ${v.fps} fps (${v.codec})`);
      const rows = Object.entries(r.metrics).flatMap(([name, values]) => leaves(values, name));
      if (r.reference !== undefined) {
        out(`reference: ${r.reference.path}`);
        for (const [name, values] of Object.entries(r.reference.metrics)) {
          rows.push(...leaves(values, `reference.${name}`));
        }
      }
      const width = Math.max(...rows.map(([k]) => k.length));
      for (const [k, val] of rows) out(`  ${k.padEnd(width)}  ${fmt(val)}`);
    });
}
