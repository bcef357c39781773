import cliProgress from 'cli-progress';
import type { Reporter } from '../../runs/reporter.js';
import type { SampleRecord } from '../../schema/run.js';

export interface ProgressOptions {
  /** Where progress goes (stderr: stdout stays the summary or one JSON document). */
  stream: NodeJS.WriteStream;
  /** A redrawn bar (a terminal) or one plain line per sample (CI, a pipe). */
  interactive: boolean;
}

function seconds(s: SampleRecord): number {
  return Object.values(s.timings).reduce((a, b) => a + (b ?? 0), 0);
}

/** A bar with rate and ETA on a terminal. */
function barReporter(stream: NodeJS.WriteStream): Reporter {
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = Date.now();
  let failed = 0;
  return {
    name: 'progress',
    onRunStart({ model, planned, reused }) {
      bar?.stop();
      startedAt = Date.now();
      failed = 0;
      bar = new cliProgress.SingleBar(
        {
          format: `${model} [{bar}] {value}/{total} samples | {rate}/s | ETA {eta_formatted} | {failed} failed`,
          stream,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(planned, reused, { rate: '0.00', failed: 0 });
    },
    onSampleEnd({ done, sample }) {
      const elapsed = (Date.now() - startedAt) / 1000;
      if (sample.error) failed++;
      bar?.update(done, { rate: elapsed > 0 ? (done / elapsed).toFixed(2) : '0.00', failed });
    },
    onRunEnd() {
      bar?.stop();
      bar = undefined;
    },
    onSuiteEnd() {
      bar?.stop();
    },
  };
}

/** One plain line per sample, for CI logs and pipes. */
function lineReporter(stream: NodeJS.WriteStream): Reporter {
  let started = Date.now();
  const line = (text: string) => stream.write(`${text}\n`);
  return {
    name: 'progress',
    onRunStart({ model, planned, location }) {
      started = Date.now();
      line(`${model}: ${planned} samples -> ${location}`);
    },
    onSampleEnd({ model, done, total, sample: s }) {
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      const state = s.error
        ? `FAILED at ${s.error.stage}: ${s.error.message}`
        : `ok ${seconds(s).toFixed(1)}s`;
      line(
        `[${done}/${total}] ${model} ${s.test_id} seed=${s.seed} "${s.prompt.slice(0, 50)}" ${state} (eta ${eta.toFixed(0)}s)`,
      );
    },
  };
}

export function progressReporter(opts: ProgressOptions): Reporter {
  return opts.interactive ? barReporter(opts.stream) : lineReporter(opts.stream);
}
