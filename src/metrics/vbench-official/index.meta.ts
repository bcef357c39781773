import { z } from 'zod';
import type { MetricMeta } from '../types.js';
import { VBENCH_MODES } from './names.js';
import { CUSTOM_INPUT_REFUSED, VBENCH_DIMENSIONS } from './parse.js';

const PLACEHOLDERS = ['{videos}', '{output}', '{name}', '{mode}', '{dimensions}', '{category}'] as const;

const modeSchema = z.enum(VBENCH_MODES, {
  error: (issue) =>
    `mode ${JSON.stringify(issue.input)} is not one of VBench's modes (${VBENCH_MODES.join(', ')})` +
    (issue.input === 'standard' ? ": VBench's CLI rejects --mode standard, use vbench_standard" : ''),
});

export const vbenchOfficialParams = z
  .object({
    mode: modeSchema
      .default('custom_input')
      .describe("VBench's --mode: custom_input, vbench_standard, vbench_category"),
    category: z
      .string()
      .regex(/^[\w-]+$/)
      .optional()
      .describe("vbench_category: VBench's --category (e.g. animal), passed as {category}"),
    dimensions: z
      .array(z.enum(VBENCH_DIMENSIONS))
      .min(1)
      .default(['subject_consistency', 'motion_smoothness', 'dynamic_degree'])
      .describe('VBench dimensions to read'),
    results: z
      .string()
      .min(1)
      .optional()
      .describe(
        'an existing results_<timestamp>_eval_results.json, or the folder holding it (relative to the suite)',
      ),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('VBench argv: {videos}, {output}, {mode}, {dimensions}, {category}, {name}'),
    name: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('temporalci')
      .describe(
        "{name} for scripts that call VBench.evaluate(name=…); VBench's CLI picks results_<timestamp>",
      ),
    timeout_s: z.number().positive().default(86_400),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.results === undefined) === (p.command === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of `results` (ingest a file) or `command` (run VBench)',
      });
    }
    if (p.mode !== 'vbench_standard') {
      for (const [i, d] of p.dimensions.entries()) {
        if (CUSTOM_INPUT_REFUSED.includes(d)) {
          ctx.addIssue({
            code: 'custom',
            path: ['dimensions', i],
            message: `VBench refuses ${d} in ${p.mode} mode (it needs the standard prompt suite's auxiliary_info); use mode: vbench_standard`,
          });
        }
      }
    }
    const usesCategory = (p.command ?? []).some((a) => a.includes('{category}'));
    if (p.command && p.mode === 'vbench_category' && p.category === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['category'],
        message: 'vbench_category needs `category` (VBench asserts --category is given)',
      });
    } else if (usesCategory && p.category === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['category'],
        message: 'the command uses {category}: set `category`',
      });
    }
    for (const [i, arg] of (p.command ?? []).entries()) {
      for (const m of arg.match(/\{[^{}]*\}/g) ?? []) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m)) {
          ctx.addIssue({
            code: 'custom',
            path: ['command', i],
            message: `unknown placeholder ${m}: use ${PLACEHOLDERS.join(', ')}`,
          });
        }
      }
    }
    if (p.command && !p.command.some((a) => a.includes('{output}'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'the command must receive {output}, the folder VBench writes to (--output_path)',
      });
    }
  });

export type VbenchOfficialParams = z.infer<typeof vbenchOfficialParams>;

export const vbenchOfficialMeta: MetricMeta<VbenchOfficialParams> = {
  name: 'vbench_official',
  description:
    "VBench's own numbers: exports videos as <prompt>-<i>.mp4 (i = seed rank, 0-4 in vbench_standard), runs " +
    'your VBench command or ingests its results_<timestamp>_eval_results.json, maps per-video results to ' +
    'samples (imaging_quality /100, booleans → 0/1; NaN → null, counted in non_finite)',
  params: vbenchOfficialParams,
  paths: (p) => p.dimensions.map((d) => `dims.${d}`),
  summaryPaths: (p) => [
    ...p.dimensions.map((d) => `aggregate.${d}`),
    'score',
    'videos_matched',
    'videos_unmatched',
    ...p.dimensions.map((d) => `non_finite.${d}`),
  ],
  higherIsBetter: (p) =>
    p.startsWith('dims.') || p.startsWith('aggregate.') || p === 'score' ? true : undefined,
  readsPixels: false,
  // Nothing is known per sample until VBench has run over all of them (finalize).
};
