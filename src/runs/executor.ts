import path from 'node:path';
import pLimit from 'p-limit';
import { describeError, isTemporalCIError } from '../errors.js';
import { makeScratchDir, removeDir, removeStaleScratch } from '../platform/fs.js';
import type { SampleRecord } from '../schema/run.js';
import type { ArtifactStore, RunKey } from '../store/types.js';
import { REJECTED_DIR, runSample, type SampleRunContext } from './sample-runner.js';
import type { PlannedSample } from './types.js';

/**
 * Where samples run. The wave loop (src/runs/waves.ts) hands each planned sample to an executor and gets back
 * its record; it neither knows nor cares whether the sample ran in this process (`LocalExecutor`) or on a
 * GPU worker of a fleet. An executor stores the sample's files (video, logs, per-frame reference values)
 * in the run's ArtifactStore before it returns the record that names them.
 */
export interface SampleControl {
  /** Aborts samples that are running (Ctrl-C, SIGTERM, the deadline reached). */
  signal: AbortSignal;
  /**
   * Asked when a slot is free to start this sample, just before it starts: false means "do not start it"
   * (a predicted deadline miss), and the sample comes back as null.
   */
  start(): boolean;
  /**
   * Told when a started sample is over, before its slot goes to the next one: the deadline's prediction
   * for the next start needs this sample's time.
   */
  end(finished: boolean): void;
}

export interface SampleExecutor {
  /** The sample's record, or null when it was cut short or never started (it is generated again on resume). */
  run(planned: PlannedSample, control: SampleControl): Promise<SampleRecord | null>;
  close(): Promise<void>;
}

export interface LocalExecutorOptions {
  /** Samples generated at once. */
  workers: number;
  run: RunKey;
  artifacts: ArtifactStore;
  sample: Omit<SampleRunContext, 'signal'>;
}

/**
 * Adapters report where they wrote things (`metadata.log_file`, `work_dir`) inside the sample's scratch
 * folder, which is gone once the sample is stored: such paths are rewritten to where the files are kept now.
 */
function relocatePaths(record: SampleRecord, scratch: string, kept: (name: string) => string): void {
  const prefix = scratch.endsWith(path.sep) ? scratch : scratch + path.sep;
  for (const [key, value] of Object.entries(record.metadata)) {
    if (typeof value !== 'string' || !value.startsWith(prefix)) continue;
    record.metadata[key] = kept(value.slice(prefix.length).split(path.sep).join('/'));
  }
}

/** Today's machine: a bounded pool over `runSample`, each sample in a scratch folder of its own. */
export class LocalExecutor implements SampleExecutor {
  private readonly limit;

  constructor(private readonly opts: LocalExecutorOptions) {
    this.limit = pLimit(opts.workers);
  }

  run(planned: PlannedSample, control: SampleControl): Promise<SampleRecord | null> {
    return this.limit(async () => {
      if (control.signal.aborted || !control.start()) return null;
      // Named by run and sample: under the run's lock, a folder of that name is a killed session's
      // (a half-downloaded `.part` in it), removed before this sample runs again.
      const prefix = `tci-${this.opts.run.runId}-${planned.sampleId}-`;
      await removeStaleScratch(prefix);
      const scratch = await makeScratchDir(prefix);
      let finished = false;
      try {
        const { record, files } = await runSample(
          { ...this.opts.sample, signal: control.signal },
          planned,
          scratch,
        );
        // A sample cut short by Ctrl-C or the deadline is not finished: it is neither recorded nor stored,
        // so a resumed run generates it again.
        if (record.error !== null && control.signal.aborted) return null;
        await this.store(record, files);
        // A sample that succeeds on resume drops what an earlier session rejected for it.
        if (record.error === null) {
          await this.opts.artifacts.removePrefix(this.opts.run, `work/${planned.sampleId}/${REJECTED_DIR}/`);
        }
        relocatePaths(
          record,
          scratch,
          (name) => this.opts.artifacts.localPath({ run: this.opts.run, name }) ?? name,
        );
        finished = true;
        return record;
      } finally {
        control.end(finished);
        await removeDir(scratch);
      }
    });
  }

  /**
   * Puts the sample's files into the run; a failure is the sample's error (stage `store`), never lost.
   * A storage fault (full, read-only) is not the sample's: it stops the run, which records it as ERROR.
   */
  private async store(record: SampleRecord, files: readonly { name: string; path: string }[]): Promise<void> {
    for (const f of files) {
      try {
        await this.opts.artifacts.put({ run: this.opts.run, name: f.name }, f.path);
      } catch (e) {
        if (isTemporalCIError(e) && e.code === 'STORAGE_FAULT') throw e;
        if (f.name === record.video_path) record.video_path = null;
        record.error ??= { stage: 'store', code: 'STORE_FAILED', message: `${f.name}: ${describeError(e)}` };
      }
    }
  }

  async close(): Promise<void> {
    this.limit.clearQueue();
  }
}
