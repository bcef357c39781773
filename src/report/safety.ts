import type { RunRecord, SampleRecord } from '../schema/run.js';
import { within } from '../store/paths.js';
import { esc, fmt, pill, relUrl, table } from './html.js';
import {
  aspectLabel,
  aspectRows,
  FRAME_JUDGES,
  flaggedSamples,
  hasSafetyMetrics,
  leaf,
  type RefusalRow,
  refusalRows,
} from './safety-data.js';
import type { SideThumbs } from './sample-cards.js';
import { exists, type ThumbCache } from './thumbs.js';

/**
 * The report's Safety section: per-aspect counts, the samples a frame check flagged (frames blurred by
 * ffmpeg unless the suite sets artifacts.show_flagged_unblurred), and the refusal tables. Everything reads
 * without colour: verdicts are words, tables have headers, images have alt text.
 */

export interface SafetyOptions {
  showFlaggedUnblurred: boolean;
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null): string => `<span class="num">${esc(fmt(v))}</span>`;

function aspectsSection(rec: RunRecord): string {
  const { judges, rows } = aspectRows(rec);
  const frame = rec.metrics.safety_t2v?.values;
  const classifier = frame
    ? `<p>safety_t2v (frame classifier, sexual content only): <b>${esc(fmt(leaf(frame, 'violations')))}</b> unsafe sample(s), violation rate <b>${esc(pct(leaf(frame, 'violation_rate')))}</b>${
        (leaf(frame, 'not_evaluated') ?? 0) > 0
          ? `; ${esc(fmt(leaf(frame, 'not_evaluated')))} requested polic(ies) <b>not evaluated</b> (the classifier cannot judge them: never counted as safe)`
          : ''
      }.</p>`
    : '';
  if (rows.length === 0)
    return `<h3 id="h-safety-aspects">Per aspect</h3>${classifier || '<p>No per-aspect counts in this run.</p>'}`;
  const headers = ['aspect'];
  if (rec.metrics.prompt_policy) headers.push('prompts labelled (prompt_policy)');
  for (const j of judges) headers.push(`${j}: judged`, `${j}: unsafe`, `${j}: rate`);
  const body = rows.map((r) => {
    const cells = [esc(aspectLabel(r.aspect))];
    if (rec.metrics.prompt_policy) cells.push(num(r.labelled));
    for (const j of judges) {
      const c = r.judges[j];
      cells.push(num(c?.samples ?? null), num(c?.violations ?? null), esc(pct(c?.rate ?? null)));
    }
    return cells;
  });
  return `<h3 id="h-safety-aspects">Per aspect</h3>${classifier}<p class="muted">prompt_policy is a prompt-risk label from the words of each prompt, not a verdict on the video.</p>${table(headers, body, 'Samples per T2VSafetyBench aspect')}`;
}

function frames(thumbs: SideThumbs, sample: SampleRecord, blurred: boolean): string {
  if (thumbs.strip.length === 0) return '<p class="note">No frames could be extracted from this video.</p>';
  const how = blurred ? ', blurred' : '';
  const imgs = thumbs.strip
    .map(
      (t, i) =>
        `<img${blurred ? ' class="blurred"' : ''} src="${relUrl(t)}" alt="Frame ${i + 1} of ${thumbs.strip.length} of flagged sample ${esc(sample.sample_id)}${how}">`,
    )
    .join('');
  return `<div class="strip" aria-label="frames of flagged sample ${esc(sample.sample_id)}${how}">${imgs}</div>`;
}

async function flaggedSection(
  runDir: string,
  rec: RunRecord,
  opts: SafetyOptions,
  thumbs: ThumbCache,
): Promise<string> {
  const judged = FRAME_JUDGES.filter((m) => rec.metrics[m] !== undefined);
  if (judged.length === 0) return '';
  const flagged = flaggedSamples(rec);
  const head = '<h3 id="h-safety-flagged">Flagged samples</h3>';
  if (flagged.size === 0) {
    return `${head}<p>No sample was flagged unsafe by ${esc(judged.join(', '))}.</p>`;
  }
  const blur = !opts.showFlaggedUnblurred;
  const note = blur
    ? '<p>Frames of flagged samples are <b>blurred</b> and their videos are not embedded (set artifacts.show_flagged_unblurred: true to show them).</p>'
    : '<p class="note">artifacts.show_flagged_unblurred is true: frames of flagged samples are shown unblurred.</p>';
  const cards: string[] = [];
  for (const s of rec.samples) {
    const reasons = flagged.get(s.sample_id);
    if (reasons === undefined) continue;
    let body: string;
    if (s.video_path && s.retained && (await exists(within(runDir, s.video_path)))) {
      const t = await thumbs.get(within(runDir, s.video_path), s, `${s.sample_id}-cand`, blur);
      body = frames(t, s, blur);
      if (!blur) body += `<p><a href="${relUrl(s.video_path)}">Open the video</a></p>`;
    } else body = '<p class="muted">The video was not kept (retention policy): no frames to show.</p>';
    cards.push(`<article class="card flagged" id="flagged-${esc(s.sample_id)}">
<h4>${pill('FLAGGED', 'bad')} ${esc(s.prompt)}</h4>
<p class="muted">seed <b>${esc(s.seed)}</b> · test ${esc(s.test_id)} · sample ${esc(s.sample_id)}</p>
<ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>
${body}
</article>`);
  }
  return `${head}${note}${cards.join('\n')}`;
}

const OUTCOME_TONE = {
  'refused as expected': 'good',
  generated: 'good',
  'missed refusal': 'bad',
  'over-refusal': 'bad',
  undetermined: 'warn',
} as const;

function refusalRow(r: RefusalRow): string[] {
  const blank = r.blank === null ? 'unknown (no frames)' : r.blank === 1 ? 'yes' : 'no';
  return [
    esc(r.sample.prompt),
    esc(r.sample.seed),
    r.aspects.length ? esc(r.aspects.map(aspectLabel).join(', ')) : '<span class="muted">none</span>',
    r.unsafePrompt ? 'refuse' : 'generate',
    r.adapterRefused ? `yes${r.reason ? ` (${esc(r.reason)})` : ''}` : 'no',
    blank,
    pill(r.outcome, OUTCOME_TONE[r.outcome]),
  ];
}

function refusalSection(rec: RunRecord): string {
  const summary = rec.metrics.refusal?.values;
  if (summary === undefined) return '';
  const rate = (v: string, over: string, of: string) =>
    `<b>${esc(pct(leaf(summary, v)))}</b> (${esc(fmt(leaf(summary, over)))} of ${esc(fmt(leaf(summary, of)))})`;
  const totals = table(
    ['measure', 'over', 'value'],
    [
      [
        'refusal_rate (higher is safer)',
        'prompts labelled unsafe',
        rate('refusal_rate', 'refusals', 'unsafe_prompts'),
      ],
      [
        'over_refusal_rate (lower is more useful)',
        'prompts labelled safe',
        rate('over_refusal_rate', 'over_refusals', 'safe_prompts'),
      ],
      ['missed refusals', 'prompts labelled unsafe', num(leaf(summary, 'missed_refusals'))],
      ['undetermined (no frame to look at)', 'all prompts', num(leaf(summary, 'undetermined'))],
    ],
    'Refusal rates',
  );
  const rows = refusalRows(rec).map(refusalRow);
  const perSample = table(
    ['prompt', 'seed', 'labelled aspects', 'expected', 'refused by adapter', 'blank video', 'outcome'],
    rows,
    'Refusals per sample',
  );
  return `<h3 id="h-safety-refusals">Refusals</h3><p class="muted">A sample is refused when the adapter reports a refusal or its video has no content (near-constant frames, measured from pixels).</p>${totals}${perSample}`;
}

/** The Safety section, or '' when the run has no safety metric. */
export async function safetySection(
  runDir: string,
  rec: RunRecord,
  opts: SafetyOptions,
  thumbs: ThumbCache,
): Promise<string> {
  if (!hasSafetyMetrics(rec)) return '';
  const parts = [aspectsSection(rec), await flaggedSection(runDir, rec, opts, thumbs), refusalSection(rec)];
  return `<section aria-labelledby="h-safety"><h2 id="h-safety">Safety</h2>${parts.join('\n')}</section>`;
}
