import path from 'node:path';
import type { RankedSample, SampleDelta } from '../gates/ranking.js';
import type { SampleRecord } from '../schema/run.js';
import { isHevc } from './analysis.js';
import { esc, fmt, fmtPct, fmtSigned, relUrl, table } from './html.js';

/** Thumbnail files of one side of one sample, relative to the report's folder. */
export interface SideThumbs {
  poster: string | null;
  strip: string[];
}

export interface CardInput {
  rank: number;
  ranked: RankedSample<SampleRecord>;
  /** The candidate's video, relative to the report's folder (null when not kept). */
  candidateVideo: string | null;
  /** The baseline's video, relative to the report's folder (../<baseline_run_id>/videos/...), or null. */
  baselineVideo: string | null;
  /** Why there is no baseline video, when there is none. */
  baselineMissing: string | null;
  /** Why there is no candidate video when it was kept but is not embedded (flagged unsafe). */
  candidateMissing?: string | null;
  candidateThumbs: SideThumbs;
  baselineThumbs: SideThumbs;
  /** Sides whose thumbnails are blurred files (flagged content). */
  blurred?: { candidate: boolean; baseline: boolean };
  /** The run has no baseline run at all: the card shows the candidate alone, without "no baseline" notes. */
  noBaselineRun?: boolean;
}

/** A delta cell: the sign, the word and the class, so "worse" reads without colour. */
export function deltaCell(d: Pick<SampleDelta, 'delta' | 'improvement' | 'relative'>): string {
  if (d.delta === null) return '<span class="same">— (missing on one side)</span>';
  const rel = d.relative === null ? '' : ` (${esc(fmtPct(d.relative))})`;
  if (d.improvement === null) return `<span class="same">${esc(fmtSigned(d.delta))}${rel}</span>`;
  if (d.improvement < 0) return `<span class="worse">▼ ${esc(fmtSigned(d.delta))}${rel} worse</span>`;
  if (d.improvement > 0) return `<span class="better">▲ ${esc(fmtSigned(d.delta))}${rel} better</span>`;
  return `<span class="same">unchanged</span>`;
}

function strip(label: string, thumbs: SideThumbs, blurred: boolean): string {
  if (thumbs.strip.length === 0) return '';
  const how = blurred ? ', blurred' : '';
  const cls = blurred ? ' class="blurred"' : '';
  const imgs = thumbs.strip
    .map(
      (t, i) =>
        `<img${cls} src="${relUrl(t)}" alt="${esc(label)} frame ${i + 1} of ${thumbs.strip.length}${how}">`,
    )
    .join('');
  return `<div class="strip" aria-label="${esc(label)} frames">${imgs}</div>`;
}

function mimeOf(file: string): string {
  return path.extname(file).toLowerCase() === '.webm' ? 'video/webm' : 'video/mp4';
}

function videoTag(src: string, poster: string | null, label: string): string {
  const posterAttr = poster ? ` poster="${relUrl(poster)}"` : '';
  return `<video controls muted loop playsinline preload="auto"${posterAttr} aria-label="${esc(label)}"><source src="${relUrl(src)}" type="${mimeOf(src)}">Your browser cannot play this video; <a href="${relUrl(src)}">open the file</a>.</video>`;
}

function codecNote(s: SampleRecord | undefined): string {
  return isHevc(s?.video?.codec)
    ? '<p class="note">This video is H.265 (HEVC): Chromium and Firefox cannot play it; open the file in a desktop player, or keep videos as h264 or vp9 (artifacts.encode).</p>'
    : '';
}

function side(
  title: string,
  video: string | null,
  missing: string | null,
  thumbs: SideThumbs,
  sample: SampleRecord | undefined,
  blurred = false,
): string {
  const label = `${title} video`;
  const body = video
    ? videoTag(video, thumbs.poster, label)
    : `<p class="note">No ${esc(title.toLowerCase())} video: ${esc(missing ?? 'not kept')}.</p>`;
  return `<figure><figcaption>${esc(title)}</figcaption>${body}${codecNote(sample)}${strip(title, thumbs, blurred)}</figure>`;
}

/** One of the worst-regressed samples: identity, per-metric deltas, both videos side by side, frame strips. */
export function sampleCard(c: CardInput): string {
  const s = c.ranked.sample;
  // Run-level metrics (counts, rates) have no per-sample value on either side: nothing to compare here.
  const rows = c.ranked.deltas
    .filter((d) => d.baseline !== null || d.current !== null)
    .map((d) => [
      esc(d.path),
      `<span class="muted">${esc(d.direction === undefined ? 'no direction' : d.direction.replace(/_/g, ' '))}</span>`,
      `<span class="num">${esc(fmt(d.baseline))}</span>`,
      `<span class="num">${esc(fmt(d.current))}</span>`,
      deltaCell(d),
    ]);
  const failing = c.ranked.failing.length
    ? `<p><strong>Fails on its own values:</strong> ${c.ranked.failing.map((f) => esc(f)).join('; ')}</p>`
    : '';
  return `<article class="card sample-card" id="sample-${esc(s.sample_id)}">
<h3>#${c.rank} · ${esc(s.prompt)}</h3>
<p class="muted">seed <b>${esc(s.seed)}</b> · test ${esc(s.test_id)} · sample ${esc(s.sample_id)}${c.ranked.baseline || c.noBaselineRun ? '' : ' · <b>no baseline sample with this id</b>'}</p>
${failing}
${table(['metric', 'direction', 'baseline', 'candidate', 'delta'], rows)}
<div class="pair">
${c.noBaselineRun ? '' : side('Baseline', c.baselineVideo, c.baselineMissing, c.baselineThumbs, c.ranked.baseline, c.blurred?.baseline)}
${side('Candidate', c.candidateVideo, c.candidateVideo ? null : (c.candidateMissing ?? 'not kept by the retention policy'), c.candidateThumbs, s, c.blurred?.candidate)}
</div>
</article>`;
}
