import type { RunRecord } from '../schema/run.js';
import { getLeaf, type MetricValues } from '../schema/values.js';
import { esc } from './html.js';

/**
 * Notes the report puts next to metric values that could be misread: VBench-named values that are not
 * VBench's numbers, values a metric could not produce (NaN from VBench, results that matched no video), and
 * safety scores from frames the classifier had to enlarge.
 * They read from run.json's metric summaries only, so an old run.json gets the same notes.
 */

/** VBench-named values computed without VBench's model, with the model VBench uses. */
const STAND_INS: readonly { metric: string; path: string; label: string; model: string }[] = [
  {
    metric: 'vbench_temporal',
    path: 'dims.motion_smoothness',
    label: 'vbench_temporal.dims.motion_smoothness',
    model: 'the AMT-S interpolation network',
  },
  {
    metric: 'vbench_temporal',
    path: 'dims.subject_consistency',
    label: 'vbench_temporal.dims.subject_consistency',
    model: 'DINO ViT-B/16 features',
  },
  { metric: 'dynamic_degree', path: 'dynamic', label: 'dynamic_degree', model: 'RAFT optical flow' },
];

const num = (v: MetricValues | undefined, path: string): number | null => getLeaf(v, path) ?? null;

function standInNotes(rec: RunRecord): string[] {
  const items = STAND_INS.filter((s) => getLeaf(rec.metrics[s.metric]?.values, s.path) !== undefined).map(
    (s) => `<li><code>${esc(s.label)}</code> (VBench uses ${esc(s.model)})</li>`,
  );
  const notes: string[] = [];
  if (items.length > 0) {
    notes.push(
      `<p><b>Stand-ins, not VBench's numbers:</b> these VBench-named values are weight-free approximations ` +
        `computed by TemporalCI; compare them only with other TemporalCI runs, never with published VBench ` +
        `results.</p><ul>${items.join('')}</ul>`,
    );
  }
  if (getLeaf(rec.metrics.vbench_temporal?.values, 'score') !== undefined) {
    notes.push(
      "<p><code>vbench_temporal.score</code> is the plain mean of its dims, not VBench's normalised, " +
        "weighted aggregate. <code>vbench_temporal.dims.temporal_flicker</code> is VBench's " +
        'temporal_flickering formula.</p>',
    );
  }
  return notes;
}

function vbenchOfficialNotes(rec: RunRecord): string[] {
  const v = rec.metrics.vbench_official?.values;
  if (v === undefined) return [];
  const notes: string[] = [];
  const nonFinite = v.non_finite;
  if (nonFinite !== null && typeof nonFinite === 'object') {
    const dims = Object.entries(nonFinite).filter(([, n]) => typeof n === 'number' && n > 0);
    if (dims.length > 0) {
      notes.push(
        `<p><b>vbench_official:</b> VBench wrote NaN or Infinity for ${dims
          .map(([d, n]) => `<code>${esc(d)}</code> (${esc(n)} value${n === 1 ? '' : 's'})`)
          .join(', ')}; those values are missing (null), see <code>vbench_official/bridge.json</code>.</p>`,
      );
    }
  }
  const unmatched = num(v, 'videos_unmatched');
  if (unmatched !== null && unmatched > 0) {
    notes.push(
      `<p><b>vbench_official:</b> ${esc(unmatched)} of VBench's per-video results matched no exported video` +
        `${num(v, 'videos_matched') === 0 ? ' and no sample has all its dimensions' : ''}; the names are in ` +
        '<code>vbench_official/bridge.json</code>.</p>',
    );
  }
  return notes;
}

function classifierNotes(rec: RunRecord): string[] {
  const v = rec.metrics.safety_t2v?.values;
  const upscaled = num(v, 'upscaled_samples');
  if (upscaled === null || upscaled === 0) return [];
  const size = num(v, 'classifier.input_size');
  return [
    `<p><b>safety_t2v:</b> ${esc(upscaled)} sample${upscaled === 1 ? ' was' : 's were'} classified from frames ` +
      `smaller than the classifier's ${size === null ? '' : `${esc(size)}×${esc(size)} `}input; they were enlarged ` +
      '(stretched, bilinear) and their scores are unreliable (<code>classifier.upscaled</code> per sample).</p>',
  ];
}

/** The notes section, or '' when nothing needs saying. */
export function metricNotes(rec: RunRecord): string {
  const notes = [...standInNotes(rec), ...vbenchOfficialNotes(rec), ...classifierNotes(rec)];
  if (notes.length === 0) return '';
  return `<section aria-labelledby="h-notes"><h2 id="h-notes">Reading the metrics</h2><div class="note">${notes.join('')}</div></section>`;
}
