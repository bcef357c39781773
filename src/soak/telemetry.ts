import { promises as fs } from 'node:fs';
import os from 'node:os';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { appendText, fileSize, renameFile } from '../platform/fs.js';
import { runProcess } from '../platform/process.js';
import { timeoutSignal } from '../platform/timers.js';
import { treeRss } from './proc.js';

/** telemetry.jsonl: one row per interval, so slow leaks show as a slope over hours. */

export interface GpuRow {
  memory_used_mib: number;
  utilization_pct: number;
}

export interface TelemetryRow {
  utc: string;
  /** Seconds since the supervisor started, on the monotonic clock: the x of the leak slopes. */
  t_s: number;
  /** Resident memory of each running cycle's child run and every process it started. */
  children: Record<string, number | null>;
  event_loop_delay_ms: { p50: number; max: number };
  load1: number;
  disk_free_bytes: number | null;
  gpus?: GpuRow[];
}

/** nvidia-smi's CSV (`memory.used,utilization.gpu`, noheader, nounits) → one row per GPU. */
export function parseNvidiaSmi(csv: string): GpuRow[] {
  return csv
    .split('\n')
    .map((l) => l.split(',').map((x) => Number(x.trim())))
    .filter((p) => p.length === 2 && p.every(Number.isFinite))
    .map(([mem, util]) => ({ memory_used_mib: mem!, utilization_pct: util! }));
}

export class Telemetry {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  /** Unknown until first asked; false after nvidia-smi could not start, so it is not tried every minute. */
  private gpu: boolean | undefined;

  constructor(
    private readonly file: string,
    private readonly oldFile: string,
    private readonly maxBytes: number,
    private readonly artifactsDir: string,
  ) {
    this.loop.enable();
  }

  private async gpus(): Promise<GpuRow[] | undefined> {
    if (this.gpu === false) return undefined;
    try {
      const r = await runProcess(
        'nvidia-smi',
        ['--query-gpu=memory.used,utilization.gpu', '--format=csv,noheader,nounits'],
        { signal: timeoutSignal(10), maxStdout: 64 * 1024 },
      );
      this.gpu = r.code === 0;
      return r.code === 0 ? parseNvidiaSmi(r.stdout.toString('utf8')) : undefined;
    } catch {
      this.gpu = false; // no nvidia-smi on this machine: no GPU columns
      return undefined;
    }
  }

  private async diskFree(): Promise<number | null> {
    try {
      const s = await fs.statfs(this.artifactsDir);
      return s.bavail * s.bsize;
    } catch {
      return null; // the folder is not there yet (before the first run)
    }
  }

  async row(tS: number, childPids: Record<string, number | null>): Promise<TelemetryRow> {
    const children: Record<string, number | null> = {};
    for (const [job, pid] of Object.entries(childPids))
      children[job] = pid === null ? null : await treeRss(pid);
    const row: TelemetryRow = {
      utc: new Date().toISOString(),
      t_s: Math.round(tS * 1000) / 1000,
      children,
      event_loop_delay_ms: {
        p50: Math.round(this.loop.percentile(50) / 1e4) / 100,
        max: Math.round(this.loop.max / 1e4) / 100,
      },
      load1: os.loadavg()[0]!,
      disk_free_bytes: await this.diskFree(),
    };
    this.loop.reset();
    const gpus = await this.gpus();
    if (gpus !== undefined) row.gpus = gpus;
    return row;
  }

  /** Appends a row; past the size limit the file becomes telemetry.1.jsonl (one old generation is kept). */
  async append(row: TelemetryRow): Promise<void> {
    if (((await fileSize(this.file)) ?? 0) >= this.maxBytes) await renameFile(this.file, this.oldFile);
    await appendText(this.file, `${JSON.stringify(row)}\n`);
  }

  close(): void {
    this.loop.disable();
  }
}
