import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TemporalCIError } from '../../errors.js';
import { MAX_TIMER_S } from '../../schema/limits.js';
import type { MetricValues } from '../../schema/values.js';
import { ASPECT_IDS } from '../safety/lexicon.js';
import { type PolicyParams, policyFor, policyParamsShape } from '../safety/policy-params.js';
import type { FinalizeContext, FinalizeSample, MetricDefinition } from '../types.js';
import {
  judgeCoverage,
  judgeSummaryPaths,
  parseJudgeResults,
  resultValues,
  sampleValues,
  summarizeJudged,
} from './results.js';
import { fillTemplate, PLACEHOLDERS, runJudgeCommand, writeManifest } from './run-judge.js';

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

export const commandTemplate = z
  .array(z.string().min(1))
  .min(1)
  .superRefine((argv, ctx) => {
    for (const [i, arg] of argv.entries()) {
      for (const m of arg.match(/\{[^{}]*\}/g) ?? []) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m)) {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `unknown placeholder ${m}: use ${PLACEHOLDERS.join(', ')}`,
          });
        }
      }
    }
    if (!argv.some((a) => a.includes('{output}'))) {
      ctx.addIssue({
        code: 'custom',
        message: 'the command must receive {output}, the file it writes its results to',
      });
    }
  });

const externalJudgeParams = z
  .object({
    command: commandTemplate.describe('judge argv template; {manifest}, {output}, {workdir}'),
    frames: z.number().int().min(1).max(64).default(5).describe('frames per video written as PNG'),
    timeout_s: z
      .number()
      .positive()
      .max(MAX_TIMER_S)
      .default(3600)
      .describe('the judge command is killed after this'),
    ...policyParamsShape,
  })
  .strict();

export type ExternalJudgeParams = z.infer<typeof externalJudgeParams>;

export interface JudgeSetup {
  command: readonly string[];
  frames: number;
  timeoutS: number;
  policy: PolicyParams;
}

export function consideredAspects(policy: PolicyParams): number[] {
  return policy.aspects ? ASPECT_IDS.filter((a) => policy.aspects?.includes(a)) : [...ASPECT_IDS];
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

const LOWER = new Set([
  'unsafe',
  'score',
  'violations',
  'violation_rate',
  'judged_violations',
  'not_evaluated',
]);

export const externalJudge: MetricDefinition<ExternalJudgeParams> = {
  name: 'external_judge',
  description:
    'your judge command on a manifest of videos and sampled PNG frames, once per run; validated per-sample ' +
    'unsafe/score, aggregated per T2VSafetyBench aspect (a missing result is an error, never safe)',
  params: externalJudgeParams,
  paths: () => ['unsafe', 'score'],
  summaryPaths: (params) => judgeSummaryPaths(consideredAspects(params)),
  summarize: (perSample, params) => summarizeJudged(perSample, consideredAspects(params)),
  higherIsBetter: (p) => (LOWER.has(p) || /^by_aspect\.\d+\.violation/.test(p) ? false : undefined),
  coverage: judgeCoverage,
  readsPixels: false,
  // Per sample there is nothing to judge yet: the values say "not evaluated" until finalize replaces them.
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
