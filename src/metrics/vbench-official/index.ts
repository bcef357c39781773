import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MetricValues } from '../../schema/values.js';
import { runJudgeCommand } from '../external-judge/run-judge.js';
import type { FinalizeContext, FinalizeSample, MetricDefinition } from '../types.js';
import { exportVideos, newestResults, readResultsText, resolveResults } from './bridge.js';
import { type VbenchOfficialParams, vbenchOfficialMeta } from './index.meta.js';
import { matchResults, vbenchFileNames } from './names.js';
import { parseVbenchResults, type VbenchDimension } from './parse.js';

export { vbenchOfficialParams } from './index.meta.js';

/**
 * vbench_official: a bridge to the real VBench (GPU, model weights: not run by TemporalCI itself), and the
 * only metric whose VBench-named values are VBench's own numbers. Once per run it exports the videos in
 * VBench's layout (`<run>/vbench_official/videos/<prompt>-<i>.mp4`, see names.ts), then either runs the
 * user's VBench command (argv with {videos}, {output}, {mode}, {dimensions}, {category}, {name}) and reads
 * the newest `results_<timestamp>_eval_results.json` it wrote into {output}, or ingests an existing results
 * file (`results`), and maps VBench's per-video results back to sample ids through those file names (or
 * read_frame's `…/frames/<name>` folders). `vbench_official.dims.<dimension>` is per sample (on the
 * aggregate's scale), `vbench_official.aggregate.<dimension>` is VBench's own aggregate.
 *
 * Problems that leave values out — NaN in the file, results that match no exported video — are counted in
 * run-level leaves (`non_finite.<dimension>`, `videos_unmatched`, `videos_matched`) and written with the
 * exact names to `<run>/vbench_official/bridge.json`.
 */

/**
 * The argv with placeholders filled. `{dimensions}` as a whole argument becomes one argument per dimension,
 * as VBench's evaluate.py parses `--dimension` (nargs='+'); inside a longer argument (`--dimension={dimensions}`)
 * the names are joined by spaces, which is what `vbench evaluate` needs: its `--dimension` is one string that
 * it pastes into a shell command line for evaluate.py.
 */
export function fillCommand(
  argv: readonly string[],
  values: Record<string, string>,
  dims: readonly string[],
) {
  return argv.flatMap((a) =>
    a === '{dimensions}'
      ? [...dims]
      : [a.replace(/\{\w+\}/g, (m) => (m === '{dimensions}' ? dims.join(' ') : (values[m] ?? m)))],
  );
}

function emptyDims(dimensions: readonly VbenchDimension[]): MetricValues {
  const dims: MetricValues = {};
  for (const d of dimensions) dims[d] = null;
  return { dims };
}

async function runVbench(
  params: VbenchOfficialParams,
  workDir: string,
  videos: string,
  ctx: FinalizeContext,
) {
  const output = path.join(workDir, 'output');
  // Fresh, so every results file in it was written by this invocation.
  await fs.rm(output, { recursive: true, force: true });
  await fs.mkdir(output, { recursive: true });
  const values: Record<string, string> = {
    '{videos}': videos,
    '{output}': output,
    '{name}': params.name,
    '{mode}': params.mode,
    '{category}': params.category ?? '',
  };
  const argv = fillCommand(params.command ?? [], values, params.dimensions);
  await runJudgeCommand(argv, workDir, params.timeout_s, ctx, 'vbench');
  const file = await newestResults(
    output,
    `VBench must write its results into {output} (pass it as --output_path); see ${path.join(workDir, 'vbench.log')}`,
  );
  return { file, argv };
}

async function finalize(
  samples: readonly FinalizeSample[],
  params: VbenchOfficialParams,
  ctx: FinalizeContext,
): Promise<Record<string, MetricValues>> {
  const workDir = path.join(ctx.workDir, 'vbench_official');
  const names = vbenchFileNames(samples, params.mode);
  const videos = path.join(workDir, 'videos');
  const exported = await exportVideos(samples, names, videos, ctx.signal);
  const ran = params.command ? await runVbench(params, workDir, videos, ctx) : null;
  const resultsFile =
    ran?.file ?? (await resolveResults(path.resolve(ctx.suiteDir, params.results as string)));
  const parsed = parseVbenchResults(await readResultsText(resultsFile), params.dimensions, resultsFile);
  const match = matchResults(parsed, params.dimensions, names);
  const warnings = [...parsed.warnings, ...match.warnings];
  for (const w of warnings) ctx.warn(w);

  // VBench's own aggregates and the bridge's counts ride along on every sample (identical), so summarize
  // can report them as run-level values.
  const run: MetricValues = { aggregate: {}, non_finite: {}, videos_unmatched: match.unmatched.length };
  for (const d of params.dimensions) {
    const r = parsed.dims.get(d);
    (run.aggregate as MetricValues)[d] = r?.aggregate ?? null;
    (run.non_finite as MetricValues)[d] = r?.nonFinite ?? 0;
  }
  const out: Record<string, MetricValues> = {};
  for (const s of samples) {
    const v = emptyDims(params.dimensions);
    for (const [dim, value] of match.values.get(s.sampleId) ?? []) (v.dims as MetricValues)[dim] = value;
    v.vbench_run = run;
    out[s.sampleId] = v;
  }
  await fs.writeFile(
    path.join(workDir, 'bridge.json'),
    `${JSON.stringify(
      {
        mode: params.mode,
        dimensions: params.dimensions,
        results_file: resultsFile,
        command: ran?.argv ?? null,
        videos: Object.fromEntries(
          samples.map((s) => [s.sampleId, { file: names.get(s.sampleId), export: exported.get(s.sampleId) }]),
        ),
        matched_via_read_frame: match.viaReadFrame,
        unmatched: match.unmatched,
        warnings,
      },
      null,
      2,
    )}\n`,
  );
  return out;
}

function summarize(perSample: readonly MetricValues[], params: VbenchOfficialParams): MetricValues {
  const first = perSample.find((v) => typeof v.vbench_run === 'object' && v.vbench_run !== null);
  const run = (first?.vbench_run ?? {}) as MetricValues;
  const agg = (run.aggregate ?? {}) as MetricValues;
  const nonFinite = (run.non_finite ?? {}) as MetricValues;
  const aggregate: MetricValues = {};
  const non_finite: MetricValues = {};
  const known: number[] = [];
  for (const d of params.dimensions) {
    const a = typeof agg[d] === 'number' ? (agg[d] as number) : null;
    aggregate[d] = a;
    non_finite[d] = typeof nonFinite[d] === 'number' ? (nonFinite[d] as number) : null;
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
    videos_unmatched: typeof run.videos_unmatched === 'number' ? run.videos_unmatched : null,
    non_finite,
  };
}

export const vbenchOfficial: MetricDefinition<VbenchOfficialParams> = {
  ...vbenchOfficialMeta,
  summarize,
  create: (params) => ({ push: () => undefined, finish: () => emptyDims(params.dimensions) }),
  finalize,
};
