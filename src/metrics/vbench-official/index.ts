import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TemporalCIError } from '../../errors.js';
import type { MetricValues } from '../../schema/values.js';
import { runJudgeCommand } from '../external-judge/run-judge.js';
import type { FinalizeContext, FinalizeSample, MetricDefinition } from '../types.js';
import {
  CUSTOM_INPUT_REFUSED,
  parseVbenchResults,
  VBENCH_DIMENSIONS,
  type VbenchDimension,
  vbenchFileNames,
} from './parse.js';

/**
 * vbench_official: a bridge to the real VBench (GPU, model weights: not run by TemporalCI itself). Once per
 * run it exports the videos in VBench's layout (`<run>/vbench_official/videos/{prompt}-{i}.mp4`), then either
 * runs the user's VBench command (`command`, argv with {videos}, {output}, {name}, {mode}) or ingests an
 * existing `{name}_eval_results.json` (`results`), and maps VBench's per-video results back to sample ids
 * through those file names. `vbench_official.dims.<dimension>` is per sample (on the aggregate's scale),
 * `vbench_official.aggregate.<dimension>` is VBench's own aggregate (frame-weighted where VBench does so).
 */

const PLACEHOLDERS = ['{videos}', '{output}', '{name}', '{mode}'] as const;

export const vbenchOfficialParams = z
  .object({
    mode: z.enum(['custom_input', 'standard']).default('custom_input').describe("VBench's evaluation mode"),
    dimensions: z
      .array(z.enum(VBENCH_DIMENSIONS))
      .min(1)
      .default(['subject_consistency', 'motion_smoothness', 'dynamic_degree'])
      .describe('VBench dimensions to read'),
    results: z
      .string()
      .min(1)
      .optional()
      .describe('an existing {name}_eval_results.json (relative to the suite)'),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('VBench argv: {videos}, {output}, {name}, {mode}'),
    name: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('temporalci')
      .describe('VBench run name: {name}_eval_results.json'),
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
    if (p.mode === 'custom_input') {
      for (const [i, d] of p.dimensions.entries()) {
        if (CUSTOM_INPUT_REFUSED.includes(d)) {
          ctx.addIssue({
            code: 'custom',
            path: ['dimensions', i],
            message: `VBench refuses ${d} in custom_input mode (it needs the standard prompt suite's auxiliary_info); use mode: standard`,
          });
        }
      }
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
        message: 'the command must receive {output}, the folder VBench writes to',
      });
    }
  });

export type VbenchOfficialParams = z.infer<typeof vbenchOfficialParams>;

function emptyDims(dimensions: readonly VbenchDimension[]): MetricValues {
  const dims: MetricValues = {};
  for (const d of dimensions) dims[d] = null;
  return { dims };
}

/** Hard link when possible (same filesystem, no copy), else copy. */
async function place(from: string, to: string): Promise<void> {
  await fs.rm(to, { force: true });
  await fs.link(from, to).catch(() => fs.copyFile(from, to));
}

async function finalize(
  samples: readonly FinalizeSample[],
  params: VbenchOfficialParams,
  ctx: FinalizeContext,
): Promise<Record<string, MetricValues>> {
  const workDir = path.join(ctx.workDir, 'vbench_official');
  const videos = path.join(workDir, 'videos');
  await fs.mkdir(videos, { recursive: true });
  const names = vbenchFileNames(samples, path.extname(samples[0]?.videoPath ?? '') || '.mp4');
  for (const s of samples) await place(s.videoPath, path.join(videos, names.get(s.sampleId) as string));

  let resultsFile: string;
  if (params.command) {
    const output = path.join(workDir, 'output');
    await fs.mkdir(output, { recursive: true });
    const values: Record<string, string> = {
      '{videos}': videos,
      '{output}': output,
      '{name}': params.name,
      '{mode}': params.mode,
    };
    const argv = params.command.map((a) =>
      a.replace(/\{videos\}|\{output\}|\{name\}|\{mode\}/g, (m) => values[m] ?? m),
    );
    await runJudgeCommand(argv, workDir, params.timeout_s, ctx, 'vbench');
    resultsFile = path.join(output, `${params.name}_eval_results.json`);
  } else {
    resultsFile = path.resolve(ctx.suiteDir, params.results as string);
  }
  let text: string;
  try {
    text = await fs.readFile(resultsFile, 'utf8');
  } catch (e) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `vbench_official: cannot read ${resultsFile}: ${(e as Error).message}`,
      {
        hint: params.command
          ? `VBench must write {output}/${params.name}_eval_results.json`
          : '`results` is resolved against the suite folder',
        file: resultsFile,
      },
    );
  }
  const parsed = parseVbenchResults(text, params.dimensions, resultsFile);
  const out: Record<string, MetricValues> = {};
  for (const s of samples) {
    const file = names.get(s.sampleId) as string;
    const v = emptyDims(params.dimensions);
    for (const [dim, r] of parsed) (v.dims as MetricValues)[dim] = r.perVideo.get(file) ?? null;
    out[s.sampleId] = v;
  }
  // VBench's own aggregates ride along on every sample (identical), so summarize can report them unmixed.
  const aggregate: MetricValues = {};
  for (const [dim, r] of parsed) aggregate[dim] = r.aggregate;
  for (const v of Object.values(out)) v.vbench_aggregate = aggregate;
  return out;
}

function summarize(perSample: readonly MetricValues[], params: VbenchOfficialParams): MetricValues {
  const first = perSample.find((v) => typeof v.vbench_aggregate === 'object' && v.vbench_aggregate !== null);
  const agg = (first?.vbench_aggregate ?? {}) as MetricValues;
  const aggregate: MetricValues = {};
  const known: number[] = [];
  for (const d of params.dimensions) {
    const a = typeof agg[d] === 'number' ? (agg[d] as number) : null;
    aggregate[d] = a;
    if (a !== null) known.push(a);
  }
  let matched = 0;
  for (const v of perSample) {
    const dims = v.dims;
    if (dims && typeof dims === 'object' && params.dimensions.every((d) => typeof dims[d] === 'number'))
      matched++;
  }
  return {
    aggregate,
    score: known.length === params.dimensions.length ? known.reduce((a, b) => a + b, 0) / known.length : null,
    videos_matched: matched,
  };
}

export const vbenchOfficial: MetricDefinition<VbenchOfficialParams> = {
  name: 'vbench_official',
  description:
    'VBench bridge: exports videos as {prompt}-{i}.mp4, runs your VBench command or ingests its ' +
    'eval_results.json, maps per-video results to samples (imaging_quality /100, booleans → 0/1)',
  params: vbenchOfficialParams,
  paths: (p) => p.dimensions.map((d) => `dims.${d}`),
  summaryPaths: (p) => [...p.dimensions.map((d) => `aggregate.${d}`), 'score', 'videos_matched'],
  summarize,
  higherIsBetter: (p) => (p === 'videos_matched' ? undefined : true),
  readsPixels: false,
  // Nothing is known per sample until VBench has run over all of them (finalize).
  create: (params) => ({ push: () => undefined, finish: () => emptyDims(params.dimensions) }),
  finalize,
};
