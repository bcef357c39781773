import os from 'node:os';
import path from 'node:path';
import { createAdapter } from '../adapters/resolve.js';
import { describeError } from '../errors.js';
import { gitInfo } from '../platform/environment.js';
import { filesUnder, makeScratchDir, removeDir } from '../platform/fs.js';
import { TEMPORALCI_VERSION } from '../platform/version.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import type { ModelConfig } from '../schema/suite.js';
import type { ArtifactStore, RunKey, RunStore, Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import { locateFfmpeg } from '../video/ffmpeg.js';
import { LocalExecutor, type SampleExecutor } from './executor.js';
import { finalizeMetrics } from './finalize.js';
import { type ModelRunOptions, type PreparedRun, prepareRun } from './prepare.js';
import { buildRunRecord, judge, type RecordEnvironment } from './record.js';
import { type ModelRunResult, notifyReporters, type Reporter, runEndReason } from './reporter.js';
import { rankSamplesForRetention, samplesToRetain } from './retention.js';
import type { SampleRunContext } from './sample-runner.js';
import { executeWaves, type WaveOutcome } from './waves.js';

/** Where runs are kept and who hears about them: the ports a model run talks through. */
export interface RunPorts {
  store: RunStore;
  artifacts: ArtifactStore;
  reporters: readonly Reporter[];
  /** Makes the executor of a run; default a `LocalExecutor` over this machine's adapter. */
  executor?: (ctx: ExecutorContext) => SampleExecutor | Promise<SampleExecutor>;
  warn: Warn;
}

/** What an executor needs to run the samples of one prepared run. */
export interface ExecutorContext {
  prep: PreparedRun;
  run: RunKey;
  artifacts: ArtifactStore;
  sample: Omit<SampleRunContext, 'signal' | 'adapter'>;
}

function localExecutorFactory(warn: Warn) {
  return async (ctx: ExecutorContext): Promise<SampleExecutor> => {
    const adapter = await createAdapter(ctx.prep.model, ctx.prep.suite.dir);
    const local = new LocalExecutor({
      workers: ctx.prep.opts.workers,
      run: ctx.run,
      artifacts: ctx.artifacts,
      sample: { ...ctx.sample, adapter },
    });
    return {
      run: (p, control) => local.run(p, control),
      async close() {
        await local.close();
        await adapter
          .close?.()
          .catch((e: unknown) =>
            warn(`adapter ${ctx.prep.model.adapter} did not close: ${describeError(e)}`),
          );
      },
    };
  };
}

/** Deletes the videos a retention policy does not keep; the record says which ones are kept. */
async function applyRetention(
  artifacts: ArtifactStore,
  run: RunKey,
  samples: SampleRecord[],
  keep: Set<string>,
): Promise<void> {
  for (const s of samples) {
    if (s.video_path === null) continue;
    s.retained = keep.has(s.sample_id);
    if (!s.retained) await artifacts.remove({ run, name: s.video_path });
  }
}

/**
 * Run-level metrics (external judges, VBench results) see all samples at once, in a scratch folder whose
 * files are kept with the run under the same names; a failure is a run error, never a silent pass.
 */
async function finalizeRun(
  prep: PreparedRun,
  samples: SampleRecord[],
  artifacts: ArtifactStore,
  warn: Warn,
): Promise<void> {
  if (!prep.metrics.some((m) => m.def.finalize)) return;
  const workDir = await makeScratchDir('tci-finalize-');
  try {
    // A local path of a stored video: in place for a local store, else fetched into the scratch folder.
    const local = async (run: RunKey, name: string, as: string): Promise<string> => {
      const inPlace = artifacts.localPath({ run, name });
      if (inPlace !== null) return inPlace;
      const copy = path.join(workDir, '.videos', as);
      await artifacts.fetchTo({ run, name }, copy);
      return copy;
    };
    const baselineRun = prep.baseline === null ? null : { ...prep.key, runId: prep.baseline.runId };
    warnUnkeptBaselineVideos(prep, samples, warn);
    await finalizeMetrics(prep.metrics, samples, {
      workDir,
      suiteDir: prep.suite.dir,
      signal: prep.opts.signal,
      warn,
      videoPath: (s) => local(prep.key, s.video_path as string, path.basename(s.video_path as string)),
      baselineVideo: async (sampleId) => {
        const name = prep.baselineVideos.get(sampleId);
        if (name === undefined || baselineRun === null) return null;
        return local(baselineRun, name, `baseline-${path.basename(name)}`);
      },
    });
    for (const name of await filesUnder(workDir)) {
      if (!name.startsWith('.videos/'))
        await artifacts.put({ run: prep.key, name }, path.join(workDir, name));
    }
  } finally {
    await removeDir(workDir);
  }
}

/**
 * A sample the baseline measured but whose video its retention policy dropped pairs by id yet cannot be
 * compared frame by frame: the gate only says "not evaluated", so say here which baseline and how to fix.
 */
function warnUnkeptBaselineVideos(prep: PreparedRun, samples: readonly SampleRecord[], warn: Warn): void {
  const comparing = prep.metrics.filter((m) => m.def.needsBaselineVideos).map((m) => m.name);
  if (comparing.length === 0 || prep.baseline === null) return;
  const measured = samples.filter((s) => s.error === null);
  const unkept = measured.filter((s) => prep.baselineUnkept.has(s.sample_id)).length;
  if (unkept === 0) return;
  const pairing = unkept + measured.filter((s) => prep.baselineVideos.has(s.sample_id)).length;
  warn(
    `${comparing.join(', ')}: baseline run ${prep.baseline.runId} kept no video for ${unkept} of the ` +
      `${pairing} samples that pair with it, so they are not compared frame by frame; keep baseline ` +
      'videos with `artifacts.video: all` (the default)',
  );
}

async function recordEnvironment(suiteDir: string): Promise<RecordEnvironment> {
  const ffmpeg = await locateFfmpeg().catch(() => null);
  return {
    git: await gitInfo(suiteDir),
    environment: {
      temporalci: TEMPORALCI_VERSION,
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      ffmpeg: ffmpeg ? { version: ffmpeg.version, source: ffmpeg.source } : null,
    },
    finished: new Date(),
  };
}

async function generateAndMeasure(
  prep: PreparedRun,
  ports: RunPorts,
  location: string,
): Promise<WaveOutcome> {
  const reporters = ports.reporters;
  const model = prep.model.name;
  const sample = {
    modelName: model,
    metrics: prep.metrics,
    retries: prep.opts.retries,
    timeoutS: prep.opts.timeoutS,
    artifactCodec: prep.suite.config.artifacts.encode,
    videoMismatch: prep.suite.config.run.video_mismatch,
    maxVideoPixels: prep.suite.config.run.max_video_pixels,
    keepWorkdir: prep.suite.config.artifacts.keep_workdir,
    rejectedOutputs: prep.suite.config.artifacts.video === 'none' ? ('delete' as const) : ('keep' as const),
    resolveInput: async (f: { name: string }) => path.resolve(prep.suite.dir, f.name),
  };
  const makeExecutor = ports.executor ?? localExecutorFactory(ports.warn);
  const executor = await makeExecutor({ prep, run: prep.key, artifacts: ports.artifacts, sample });
  const run = prep.key;
  await notifyReporters(
    reporters,
    'onRunStart',
    { model, run, location, planned: prep.planned.length, reused: prep.reused.length },
    ports.warn,
  );
  try {
    const outcome = await executeWaves(prep, executor, ports.store, {
      onSample: (s, done, total) =>
        notifyReporters(reporters, 'onSampleEnd', { model, run, done, total, sample: s }, ports.warn),
      onWave: (wave, generated, stopped) =>
        notifyReporters(
          reporters,
          'onWaveEnd',
          { model, run, wave, generated, planned: prep.planned.length, stopped },
          ports.warn,
        ),
    });
    if (outcome.error === null && !prep.opts.signal.aborted) {
      await finalizeRun(prep, outcome.samples, ports.artifacts, ports.warn).catch((e: unknown) => {
        outcome.error = `run failed: ${describeError(e)}`;
      });
    }
    return outcome;
  } finally {
    await executor.close();
  }
}

/**
 * Runs one model of a suite end to end: prepare, generate and measure in waves, judge, keep what the
 * retention policy keeps, and commit the record. A failure of the run itself (not of a sample) still
 * commits a complete record with status ERROR, so nothing is ever left half-written.
 */
export async function runModel(
  suite: LoadedSuite,
  model: ModelConfig,
  opts: ModelRunOptions,
  ports: RunPorts,
  all: readonly ModelRunResult[],
): Promise<ModelRunResult> {
  const warnings: string[] = [...suite.warnings];
  const warn: Warn = (m) => {
    warnings.push(m);
    ports.warn(m);
  };
  const prep = await prepareRun(suite, model, opts, ports.store, warn);
  try {
    const runDir = ports.store.locate(prep.key);
    const outcome = await generateAndMeasure(prep, { ...ports, warn }, runDir);
    const j = judge(prep, outcome, {
      errors: outcome.error === null ? [] : [outcome.error],
      interrupted: opts.signal.aborted,
    });
    for (const w of j.warnings) warn(w);
    // An interrupted run keeps every video: a resumed session measures nothing again but ranks all of them.
    if (j.status !== 'INTERRUPTED') {
      const ranked = rankSamplesForRetention(j.measured, opts.gates, prep.baseline?.run ?? null);
      const keep = samplesToRetain(suite.config.artifacts, j.status, ranked);
      await applyRetention(ports.artifacts, prep.key, outcome.samples, keep);
    }
    const record: RunRecord = buildRunRecord(prep, outcome, j, await recordEnvironment(suite.dir), warnings);
    await ports.store.commitRun(record);
    const result: ModelRunResult = { model: model.name, run: prep.key, runDir, record };
    await notifyReporters(
      ports.reporters,
      'onRunEnd',
      { result, reason: runEndReason(record.status), all: [...all, result] },
      ports.warn,
    );
    return result;
  } finally {
    await prep.lock.release();
  }
}
