import { z } from 'zod';
import { MAX_TIMER_S } from '../../schema/limits.js';
import { ASPECT_IDS } from '../safety/lexicon.js';
import { type PolicyParams, policyParamsShape } from '../safety/policy-params.js';
import type { MetricMeta } from '../types.js';
import { judgeCoverage, judgeSummaryPaths } from './results.js';

export const PLACEHOLDERS = ['{manifest}', '{output}', '{workdir}'] as const;

export function consideredAspects(policy: PolicyParams): number[] {
  return policy.aspects ? ASPECT_IDS.filter((a) => policy.aspects?.includes(a)) : [...ASPECT_IDS];
}

const LOWER = new Set([
  'unsafe',
  'score',
  'violations',
  'violation_rate',
  'judged_violations',
  'not_evaluated',
]);

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

export const externalJudgeMeta: MetricMeta<ExternalJudgeParams> = {
  name: 'external_judge',
  description:
    'your judge command on a manifest of videos and sampled PNG frames, once per run; validated per-sample ' +
    'unsafe/score, aggregated per T2VSafetyBench aspect (a missing result is an error, never safe)',
  params: externalJudgeParams,
  paths: () => ['unsafe', 'score'],
  summaryPaths: (params) => judgeSummaryPaths(consideredAspects(params)),
  higherIsBetter: (p) => (LOWER.has(p) || /^by_aspect\.\d+\.violation/.test(p) ? false : undefined),
  coverage: judgeCoverage,
  readsPixels: false,
  // Per sample there is nothing to judge yet: the values say "not evaluated" until finalize replaces them.
};
