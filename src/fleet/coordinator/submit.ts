/**
 * A submission: the bundle is fetched from S3 and extracted in a scratch folder of the coordinator, the
 * suite loaded and validated by the same loader a local run uses, and each model prepared with `prepareRun`
 * over the fleet's RunStore, exactly as `temporalci run` prepares it on a laptop (baseline, plan, order,
 * sequential state, run lock, state row). Only then is anything dispatched.
 */
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import { loadMetric } from '../../metrics/registry.js';
import { makeScratchDir, removeDir } from '../../platform/fs.js';
import { resolveRunOptions } from '../../runs/options.js';
import { type PreparedRun, prepareRun, type ResumeTarget } from '../../runs/prepare.js';
import type { Database } from '../../store/postgres/connection.js';
import type { S3ArtifactStore } from '../../store/s3/store.js';
import type { RunStore, Warn } from '../../store/types.js';
import { extractBundle } from '../../suite/bundle/extract.js';
import type { LoadedSuite } from '../../suite/types.js';
import type { SubmitRunBody } from '../api/types.js';
import { refuseUntakeable } from './workers.js';

export interface Submission {
  suite: LoadedSuite;
  /** The extracted bundle; removed once every model run of the submission is over. */
  scratch: string;
  models: { prep: PreparedRun; warnings: string[] }[];
}

/** What a fleet cannot run yet, refused before any GPU time is spent (with what to do instead). */
async function refuseUnsupported(suite: LoadedSuite): Promise<void> {
  const defs = await Promise.all(suite.config.metrics.map((m) => loadMetric(m.name)));
  const finalizing = suite.config.metrics.filter((_m, i) => defs[i]!.finalize !== undefined);
  if (finalizing.length > 0) {
    throw new TemporalCIError(
      'USAGE',
      `run-level metrics (${finalizing.map((m) => m.name).join(', ')}) do not run on a fleet yet`,
      { file: suite.file, hint: 'run this suite locally with `temporalci run SUITE`' },
    );
  }
  if (suite.config.run.deadline_s !== undefined) {
    throw new TemporalCIError('USAGE', 'run.deadline_s is not supported on a fleet yet', {
      file: suite.file,
      hint: 'remove run.deadline_s, or run the suite locally',
    });
  }
}

export interface SubmissionPorts {
  db: Database;
  store: RunStore;
  artifacts: S3ArtifactStore;
  warn: Warn;
  signal: AbortSignal;
  /**
   * A restarted coordinator taking a submission over: the run each model resumes, or null for a model
   * whose run is over (not prepared again). Absent: a new submission.
   */
  takeOver?: (model: string) => ResumeTarget | null;
}

export async function openSubmission(body: SubmitRunBody, ports: SubmissionPorts): Promise<Submission> {
  if (!(await ports.artifacts.hasBundle(body.bundle))) {
    throw new TemporalCIError('RUN_NOT_FOUND', `no suite bundle ${body.bundle} on this coordinator`, {
      hint: 'PUT /v1/bundles/<sha256> first (`temporalci run --coordinator-url` does)',
    });
  }
  const scratch = await makeScratchDir('tci-coordinator-');
  const prepared: Submission['models'] = [];
  try {
    const file = path.join(scratch, `${body.bundle}.tar.gz`);
    await ports.artifacts.fetchBundle(body.bundle, file);
    const { suite, manifest } = await extractBundle(file, path.join(scratch, 'suite'), {
      sha256: body.bundle,
    });
    if (body.suite !== undefined && body.suite !== manifest.suite) {
      throw new TemporalCIError(
        'USAGE',
        `bundle ${body.bundle.slice(0, 12)} holds ${manifest.suite}, not ${body.suite}`,
        {
          hint: 'name the suite file the bundle was made from, or leave `suite` out',
        },
      );
    }
    await refuseUnsupported(suite);
    if (ports.takeOver === undefined) await refuseUntakeable(ports.db, suite);
    const o = body.options;
    const resolved = resolveRunOptions(
      suite,
      {
        baselineMode: body.baseline_mode,
        retries: o.retries,
        timeoutS: o.timeout_s,
        maxFailedRatio: o.max_failed_ratio,
        sampleLimit: o.sample_limit,
        ignoreRegression: o.ignore_regression,
        tag: o.tag,
      },
      ports.warn,
    );
    for (const model of suite.config.models) {
      const warnings = [...suite.warnings];
      const warn: Warn = (m) => {
        warnings.push(m);
        ports.warn(m);
      };
      const resume = ports.takeOver?.(model.name);
      if (resume === null) continue;
      const prep = await prepareRun(
        suite,
        model,
        { ...resolved, resume, signal: ports.signal },
        ports.store,
        warn,
      );
      prepared.push({ prep, warnings });
    }
    return { suite, scratch, models: prepared };
  } catch (e) {
    for (const m of prepared) await m.prep.lock.release();
    await removeDir(scratch);
    throw e;
  }
}
