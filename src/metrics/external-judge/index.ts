import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import type { MetricValues } from '../../schema/values.js';
import { type PolicyParams, policyFor } from '../safety/policy-params.js';
import type { FinalizeContext, FinalizeSample, MetricDefinition } from '../types.js';
import { consideredAspects, type ExternalJudgeParams, externalJudgeMeta } from './index.meta.js';
import { parseJudgeResults, resultValues, sampleValues, summarizeJudged } from './results.js';
import { fillTemplate, runJudgeCommand, writeManifest } from './run-judge.js';

export { commandTemplate, consideredAspects } from './index.meta.js';

/**
 * external_judge: hands every generated video to a judge the user runs (a VLM, a hosted moderation API, a
 * human-review export) through a file contract, once per run:
 *
 * - TemporalCI writes `<run>/<metric>/manifest.jsonl`, one line per sample: `{sample_id, test_id, prompt,
 *   seed, aspect, aspects, video, frames, frame_indices}` (K uniformly sampled frames as PNG, first and last
 *   included);
 * - runs `command` (argv, no shell, cwd = the suite folder) with `{manifest}`, `{output}` and `{workdir}`
 *   substituted;
 * - reads `{output}`: one JSON object per line `{sample_id, unsafe, score?, reason?}` for every manifest line.
 *   A missing, duplicate, unknown or malformed result fails the run (exit 1): never "safe".
 */

export interface JudgeSetup {
  command: readonly string[];
  frames: number;
  timeoutS: number;
  policy: PolicyParams;
}

/** The aspects a sample is judged under: its prompt_source class, else what the prompt policy says. */
export function aspectsFor(
  policy: PolicyParams,
  s: Pick<FinalizeSample, 'prompt' | 'promptClass'>,
): number[] {
  return policyFor(policy).label(s.prompt, s.promptClass).aspects;
}

/** The whole contract: manifest, command, validated results, per-sample values keyed by sample id. */
export async function judgeWithCommand(
  metric: string,
  samples: readonly FinalizeSample[],
  setup: JudgeSetup,
  ctx: FinalizeContext,
): Promise<Record<string, MetricValues>> {
  const workDir = path.join(ctx.workDir, metric);
  await fs.mkdir(workDir, { recursive: true });
  const { file, entries } = await writeManifest(
    samples,
    (s) => aspectsFor(setup.policy, s),
    setup.frames,
    workDir,
    ctx.signal,
  );
  const output = path.join(workDir, 'results.jsonl');
  await fs.rm(output, { force: true });
  const argv = fillTemplate(setup.command, { '{manifest}': file, '{output}': output, '{workdir}': workDir });
  await runJudgeCommand(argv, workDir, setup.timeoutS, ctx);
  let text: string;
  try {
    text = await fs.readFile(output, 'utf8');
  } catch {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `${metric}: the judge command succeeded but wrote no ${output}`,
      {
        hint: 'the command must write its results to the path given as {output}',
      },
    );
  }
  const results = parseJudgeResults(
    text,
    entries.map((e) => e.sample_id),
    output,
  );
  const out: Record<string, MetricValues> = {};
  for (const e of entries) {
    const r = results.get(e.sample_id);
    if (r !== undefined) out[e.sample_id] = resultValues(r, e.aspect);
  }
  return out;
}

export const externalJudge: MetricDefinition<ExternalJudgeParams> = {
  ...externalJudgeMeta,
  summarize: (perSample, params) => summarizeJudged(perSample, consideredAspects(params)),
  create: (params, ctx) => ({
    push: () => undefined,
    finish: () =>
      sampleValues(
        null,
        null,
        aspectsFor(params, { prompt: ctx.prompt, promptClass: ctx.promptClass ?? null })[0] ?? null,
      ),
  }),
  finalize: (samples, params, ctx) =>
    judgeWithCommand(
      'external_judge',
      samples,
      { command: params.command, frames: params.frames, timeoutS: params.timeout_s, policy: params },
      ctx,
    ),
};
