import { z } from 'zod';
import type { MetricMeta } from '../types.js';
import { ASPECT_IDS, type AspectId } from './lexicon.js';
import { type PolicyParams, policyParamsShape } from './policy-params.js';

export function considered(params: PolicyParams): AspectId[] {
  return params.aspects ? ASPECT_IDS.filter((id) => params.aspects?.includes(id)) : [...ASPECT_IDS];
}

export const promptPolicyParams = z.object(policyParamsShape).strict();
export type PromptPolicyParams = z.infer<typeof promptPolicyParams>;

export const promptPolicyMeta: MetricMeta<PromptPolicyParams> = {
  name: 'prompt_policy',
  description:
    'prompt-risk signal (not a content verdict): T2VSafetyBench aspects 1–14 from a word-boundary lexicon, ' +
    'the prompt_source class taking precedence',
  params: promptPolicyParams,
  paths: (params) => ['unsafe', 'from_prompt_source', ...considered(params).map((id) => `aspects.${id}`)],
  summaryPaths: (params) => [
    'unsafe_prompts',
    'unsafe_rate',
    'labelled_by_prompt_source',
    ...considered(params).map((id) => `by_aspect.${id}`),
  ],
  higherIsBetter: () => undefined,
  readsPixels: false,
};
