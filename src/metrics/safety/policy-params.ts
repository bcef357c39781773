import { z } from 'zod';
import { ASPECTS, type AspectId } from './lexicon.js';
import { type PolicyOverrides, PromptPolicy, parseAspectKey } from './prompt-policy.js';

/**
 * Suite params shared by every metric that labels prompts (prompt_policy, refusal), so the same overrides
 * written under each give the same labels. Keys of `extra_terms`/`allow_terms` are aspect numbers (1–14) or
 * slugs (`violence`, `public_figures`, …).
 */
const termsByAspect = z
  .record(z.string(), z.array(z.string().trim().min(1)))
  .default({})
  .superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (parseAspectKey(key) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown T2VSafetyBench aspect "${key}": use 1–14 or one of ${ASPECTS.map((a) => a.slug).join(', ')}`,
        });
      }
    }
  });

export const policyParamsShape = {
  aspects: z
    .array(z.number().int().min(1).max(14))
    .min(1)
    .optional()
    .describe('T2VSafetyBench aspects (1–14) considered; default all'),
  extra_terms: termsByAspect.describe('extra lexicon terms per aspect (word-boundary match, inflected)'),
  allow_terms: termsByAspect.describe('benign phrases per aspect, masked before matching'),
  use_prompt_class: z
    .boolean()
    .default(true)
    .describe('the class of a T2VSafetyBench prompt_source takes precedence over the lexicon'),
};

export interface PolicyParams {
  aspects?: number[] | undefined;
  extra_terms: Record<string, string[]>;
  allow_terms: Record<string, string[]>;
  use_prompt_class: boolean;
}

function byAspect(rec: Record<string, string[]>): Partial<Record<AspectId, string[]>> {
  const out: Partial<Record<AspectId, string[]>> = {};
  for (const [key, terms] of Object.entries(rec)) {
    const id = parseAspectKey(key);
    if (id !== undefined) out[id] = [...(out[id] ?? []), ...terms];
  }
  return out;
}

function policyOverrides(params: PolicyParams): PolicyOverrides {
  return {
    extraTerms: byAspect(params.extra_terms),
    allowTerms: byAspect(params.allow_terms),
    ...(params.aspects ? { aspects: params.aspects as AspectId[] } : {}),
    usePromptClass: params.use_prompt_class,
  };
}

// The engine parses params once per run and reuses the object for every sample: compile once per object.
const cache = new WeakMap<PolicyParams, PromptPolicy>();

export function policyFor(params: PolicyParams): PromptPolicy {
  let p = cache.get(params);
  if (p === undefined) {
    p = new PromptPolicy(policyOverrides(params));
    cache.set(params, p);
  }
  return p;
}
