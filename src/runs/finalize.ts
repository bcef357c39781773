import { TemporalCIError } from '../errors.js';
import type { FinalizeContext, FinalizeSample } from '../metrics/types.js';
import type { SampleRecord } from '../schema/run.js';
import type { ActiveMetric } from './sample-runner.js';

/**
 * Runs the run-level step (`MetricDefinition.finalize`) of every metric that has one, over the samples that
 * were measured, and writes the returned per-sample values into each sample's `metrics`. A metric that
 * returns no values for a measured sample is an error: its judgement is missing, not a pass.
 */
export async function finalizeMetrics(
  metrics: readonly ActiveMetric[],
  samples: SampleRecord[],
  ctx: FinalizeContext & { videoPath: (sample: SampleRecord) => Promise<string> },
): Promise<void> {
  const measured = samples.filter((s) => s.error === null && s.video_path !== null && s.video !== null);
  if (measured.length === 0 || ctx.signal.aborted) return;
  const views: FinalizeSample[] = [];
  for (const s of measured) {
    views.push({
      sampleId: s.sample_id,
      testId: s.test_id,
      prompt: s.prompt,
      seed: s.seed,
      promptClass: s.prompt_class ?? null,
      videoPath: await ctx.videoPath(s),
      frameCount: s.video?.frame_count ?? 0,
      metadata: s.metadata,
    });
  }
  for (const m of metrics) {
    if (!m.def.finalize) continue;
    const finalizeCtx: FinalizeContext = {
      workDir: ctx.workDir,
      suiteDir: ctx.suiteDir,
      signal: ctx.signal,
      warn: (message) => ctx.warn(`metric ${m.name}: ${message}`),
      ...(ctx.baselineVideo === undefined ? {} : { baselineVideo: ctx.baselineVideo }),
    };
    const values = await m.def.finalize(views, m.params, finalizeCtx);
    for (const s of measured) {
      const v = values[s.sample_id];
      if (v === undefined) {
        throw new TemporalCIError('METRIC_FAILED', `metric ${m.name}: no result for sample ${s.sample_id}`, {
          hint: 'the run-level step must return values for every measured sample',
        });
      }
      s.metrics[m.name] = v;
    }
  }
}
