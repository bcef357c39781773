import cliProgress from 'cli-progress';
import type { SampleRecord } from '../schema/run.js';
import { err, isInteractive } from './io.js';

export interface Progress {
  modelStart(model: string, runDir: string, planned: number): void;
  sample(model: string, done: number, total: number, sample: SampleRecord): void;
  stop(): void;
}

function seconds(s: SampleRecord): number {
  return Object.values(s.timings).reduce((a, b) => a + (b ?? 0), 0);
}

/** A bar with rate and ETA on a terminal; one plain line per sample in CI or when piped. */
export function createProgress(enabled: boolean): Progress {
  if (!enabled) return { modelStart() {}, sample() {}, stop() {} };
  if (isInteractive()) {
    let bar: cliProgress.SingleBar | undefined;
    let startedAt = Date.now();
    let failed = 0;
    return {
      modelStart(model, _runDir, planned) {
        bar?.stop();
        startedAt = Date.now();
        failed = 0;
        bar = new cliProgress.SingleBar(
          {
            format: `${model} [{bar}] {value}/{total} samples | {rate}/s | ETA {eta_formatted} | {failed} failed`,
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(planned, 0, { rate: '0.00', failed: 0 });
      },
      sample(_model, done, _total, sample) {
        const elapsed = (Date.now() - startedAt) / 1000;
        if (sample.error) failed++;
        bar?.update(done, { rate: elapsed > 0 ? (done / elapsed).toFixed(2) : '0.00', failed });
      },
      stop() {
        bar?.stop();
      },
    };
  }
  let started = Date.now();
  return {
    modelStart(model, runDir, planned) {
      started = Date.now();
      err(`${model}: ${planned} samples -> ${runDir}`);
    },
    sample(model, done, total, s) {
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      const state = s.error
        ? `FAILED at ${s.error.stage}: ${s.error.message}`
        : `ok ${seconds(s).toFixed(1)}s`;
      err(
        `[${done}/${total}] ${model} ${s.test_id} seed=${s.seed} "${s.prompt.slice(0, 50)}" ${state} (eta ${eta.toFixed(0)}s)`,
      );
    },
    stop() {},
  };
}
