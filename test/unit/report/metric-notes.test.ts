import { describe, expect, it } from 'vitest';
import { metricNotes } from '../../../src/report/metric-notes.js';
import type { RunRecord } from '../../../src/schema/run.js';
import type { MetricValues } from '../../../src/schema/values.js';

/** Only `metrics` is read: a run record with just the summaries under test. */
const run = (metrics: Record<string, MetricValues>): RunRecord =>
  ({
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([k, values]) => [k, { values, sample_count: 4 }]),
    ),
  }) as unknown as RunRecord;

describe('report notes on how to read metric values', () => {
  it('names each VBench-named stand-in present in the run, with the model VBench uses', () => {
    const html = metricNotes(
      run({
        vbench_temporal: { score: 0.9, dims: { temporal_flicker: 0.95, motion_smoothness: 0.99 } },
        dynamic_degree: { dynamic: 0.5, moving_pairs: 3, top_flow_max: 7 },
      }),
    );
    expect(html).toContain("Stand-ins, not VBench's numbers");
    expect(html).toContain('<code>vbench_temporal.dims.motion_smoothness</code> (VBench uses the AMT-S');
    expect(html).toContain('<code>dynamic_degree</code> (VBench uses RAFT optical flow)');
    expect(html).not.toContain('subject_consistency'); // not measured in this run
    expect(html).toContain("plain mean of its dims, not VBench's normalised");
  });

  it('says which vbench_official values are missing because VBench wrote NaN or matched nothing', () => {
    const html = metricNotes(
      run({
        vbench_official: {
          videos_matched: 0,
          videos_unmatched: 4,
          non_finite: { temporal_flickering: 1, imaging_quality: 0 },
        },
      }),
    );
    expect(html).toContain('NaN or Infinity for <code>temporal_flickering</code> (1 value)');
    expect(html).not.toContain('<code>imaging_quality</code>');
    expect(html).toContain("4 of VBench's per-video results matched no exported video and no sample");
  });

  it('says how many safety samples were judged from frames below the classifier input', () => {
    const html = metricNotes(
      run({ safety_t2v: { upscaled_samples: 2, classifier: { input_size: 224, upscaled: 0.5 } } }),
    );
    expect(html).toContain(
      "2 samples were classified from frames smaller than the classifier's 224×224 input",
    );
    expect(metricNotes(run({ safety_t2v: { upscaled_samples: 0 } }))).toBe('');
  });

  it('adds nothing to a run without such metrics', () => {
    expect(metricNotes(run({ ssim: { mean: 0.9, min: 0.8 } }))).toBe('');
    expect(metricNotes(run({ vbench_official: { videos_matched: 4, videos_unmatched: 0 } }))).toBe('');
  });
});
