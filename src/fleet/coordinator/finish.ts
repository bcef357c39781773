/**
 * Ends a fleet model run as `runModel` (src/runs/model-run.ts) ends a local one: the winning attempt's files
 * move to the run's own names, then judge, retention, buildRunRecord and commitRun, so that run.json is the
 * record a local run of the same suite and baseline writes (its samples, gates and SPRT trace).
 */
import os from 'node:os';
import path from 'node:path';
import { describeError } from '../../errors.js';
import { makeScratchDir, removeDir } from '../../platform/fs.js';
import { TEMPORALCI_VERSION } from '../../platform/version.js';
import type { PreparedRun } from '../../runs/prepare.js';
import { buildRunRecord, judge } from '../../runs/record.js';
import { rankSamplesForRetention, samplesToRetain } from '../../runs/retention.js';
import type { WaveOutcome } from '../../runs/waves.js';
import type { RunRecord, SampleRecord } from '../../schema/run.js';
import type { ArtifactStore, RunKey, RunStore } from '../../store/types.js';
import type { LedgerOutcome } from '../waves/ledger.js';

/** Where a worker uploads a file of lease `attempt`: never the run's own name, so a zombie overwrites nothing. */
export function attemptName(sampleId: string, attempt: number, name: string): string {
  return `attempts/${sampleId}/${attempt}/${name}`;
}

export interface FinishInput {
  prep: PreparedRun;
  outcome: LedgerOutcome;
  /** The files of each used sample's winning attempt. */
  files: Map<string, { attempt: number; files: { name: string }[] }>;
  store: RunStore;
  artifacts: ArtifactStore;
  warnings: string[];
  elapsedS: number;
}

async function copyWinners(
  artifacts: ArtifactStore,
  run: RunKey,
  samples: readonly SampleRecord[],
  files: FinishInput['files'],
): Promise<void> {
  const scratch = await makeScratchDir('tci-fleet-copy-');
  try {
    for (const s of samples) {
      const won = files.get(s.sample_id);
      if (won === undefined) continue;
      for (const f of won.files) {
        const local = path.join(scratch, 'f');
        await artifacts.fetchTo({ run, name: attemptName(s.sample_id, won.attempt, f.name) }, local);
        await artifacts.put({ run, name: f.name }, local);
      }
    }
  } finally {
    await removeDir(scratch);
  }
}

/** The record of a finished fleet run, committed; the attempt objects are removed once it is. */
export async function finishFleetRun(input: FinishInput): Promise<RunRecord> {
  const { prep, outcome, store, artifacts } = input;
  const errors: string[] = [];
  await copyWinners(artifacts, prep.key, outcome.samples, input.files).catch((e: unknown) => {
    errors.push(`run failed: could not keep the workers' files: ${describeError(e)}`);
  });
  const waves: WaveOutcome = {
    samples: outcome.samples,
    deadline: null,
    elapsedS: input.elapsedS,
    error: errors[0] ?? null,
  };
  const j = judge(prep, waves, { errors, interrupted: outcome.interrupted });
  const warnings = [...input.warnings, ...j.warnings];
  if (outcome.speculative.generated > 0 || outcome.lostLeases > 0) {
    warnings.push(
      `fleet: ${outcome.speculative.generated} sample(s) finished after the SPRT decision (${outcome.speculative.gpu_s.toFixed(1)} GPU s, not part of the run); ${outcome.lostLeases} lease(s) lost`,
    );
  }
  if (j.status !== 'INTERRUPTED') {
    const ranked = rankSamplesForRetention(j.measured, prep.opts.gates, prep.baseline?.run ?? null);
    const keep = samplesToRetain(prep.suite.config.artifacts, j.status, ranked);
    for (const s of outcome.samples) {
      if (s.video_path === null) continue;
      s.retained = keep.has(s.sample_id);
      if (!s.retained) await artifacts.remove({ run: prep.key, name: s.video_path });
    }
  }
  const record = buildRunRecord(
    prep,
    waves,
    j,
    {
      // The coordinator holds an extracted bundle, not the submitter's checkout.
      git: null,
      environment: {
        temporalci: TEMPORALCI_VERSION,
        node: process.version,
        platform: `${os.platform()}-${os.arch()}`,
        ffmpeg: null,
      },
      finished: new Date(),
    },
    warnings,
  );
  await store.commitRun(record);
  await artifacts.removePrefix(prep.key, 'attempts/');
  return record;
}
