import type { RankedSample } from '../gates/ranking.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import { gateTarget, rankSamples } from './analysis.js';
import { mdCell, mdCode } from './github.js';
import { fmt, fmtPct, fmtSigned } from './html.js';
import { mdUrl, reportSampleLink, viewerLink } from './links.js';

export { viewerLink };

/**
 * The pull-request comment: one Markdown body for every run of a CI job, posted (and later updated in place)
 * by `temporalci pr-comment`. Pure: the command finds the runs, their baselines and poster frames, and
 * the URLs; this file only words them.
 */

/** Where a sample's poster frame can be seen: an image URL (public report URL), or a link to where it is. */
export interface PosterLink {
  /** A URL GitHub can load as an image (the report's public place, or the fleet store's). */
  image?: string;
  /** Where the frame is when it cannot be shown inline (the uploaded artifact), with its path inside. */
  link?: { url: string; file: string };
  /** The sample's video, when no frame was made (a fleet run: its videos are in the fleet store). */
  video?: string;
}

export interface PrCommentRun {
  record: RunRecord;
  /** The run it was compared with (null: none, a rolling mean, or unreadable): each sample's delta. */
  baseline: RunRecord | null;
  /** report.html of this run: an absolute URL, or its path inside the uploaded artifact. */
  report: { url: string } | { path: string } | null;
  /** Poster frames of the candidate's samples, by sample_id. */
  posters: ReadonlyMap<string, PosterLink>;
}

export interface PrCommentInput {
  runs: readonly PrCommentRun[];
  /** Tells comments of different suites apart on one PR (default: the suites shown). */
  key?: string;
  /** The uploaded artifact (the run folders), for the reader to download. */
  artifactUrl?: string;
  /** A viewer of the runs (a fleet's page, a hosted report index). */
  viewerUrl?: string;
  /** This workflow run on GitHub. */
  workflowRunUrl?: string;
  /** Regressed samples listed per run (default DEFAULT_COMMENT_SAMPLES). */
  maxSamples?: number;
}

/** GitHub refuses comments over 65 536 characters; stay under it with room for the marker. */
const COMMENT_LIMIT_CHARS = 60_000;

export const DEFAULT_COMMENT_SAMPLES = 3;

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * Text from a suite (prompts, names) for the comment: Markdown and HTML escaped as in the step summary,
 * bidi controls shown instead of applied, and `@name` broken with a zero-width space so that a prompt can
 * never mention (notify) a GitHub user or team.
 */
export function mdText(v: unknown): string {
  return mdCell(v)
    .replace(BIDI_CONTROLS, (c) => `⟦U+${c.codePointAt(0)!.toString(16).toUpperCase()}⟧`)
    .replace(/@/g, '@\u200B');
}

/** The hidden line that finds this comment again: the key percent-encoded, so it can never close the comment. */
export function prCommentMarker(key: string): string {
  return `<!-- temporalci:pr-comment key=${encodeURIComponent(key)} -->`;
}

/** The default key: the suites of the runs shown, so two suites of one PR keep two comments. */
export function defaultCommentKey(runs: readonly PrCommentRun[]): string {
  const suites = [...new Set(runs.map((r) => `${r.record.project}/${r.record.suite_name}`))].sort();
  return suites.join(',') || 'temporalci';
}

const ICON: Record<string, string> = { PASS: '✅', FAIL: '❌', ERROR: '⚠️', INTERRUPTED: '⏹️' };

/** The job's verdict over every run: the worst of them, as the exit code sees it. */
function overallStatus(runs: readonly PrCommentRun[]): string {
  const statuses = runs.map((r) => r.record.status);
  if (statuses.length === 0) return 'ERROR';
  for (const s of ['ERROR', 'INTERRUPTED', 'FAIL'] as const) if (statuses.includes(s)) return s;
  return 'PASS';
}

function failingGates(rec: RunRecord): string[] {
  const failed = rec.gates.filter((g) => !g.passed);
  if (failed.length === 0) return [];
  const lines = ['**Failing gates**', '', '| # | gate | target | actual | why |', '|---|---|---|---|---|'];
  for (const g of failed) {
    lines.push(
      `| ${g.index + 1} | ${mdText(g.metric)} | ${mdText(gateTarget(g))} | ${mdText(fmt(g.actual))} | ${mdText(g.reason)} |`,
    );
  }
  return [...lines, ''];
}

function regressions(rec: RunRecord): string[] {
  const regressed = rec.regressions.filter((r) => r.regressed);
  if (regressed.length === 0) return [];
  const lines = [
    `**Regressions vs baseline ${mdCode(rec.baseline.run_id ?? 'none')}${rec.ignore_regression ? ' (ignored)' : ''}**`,
    '',
    '| metric | baseline | current | delta |',
    '|---|---|---|---|',
  ];
  for (const r of regressed) {
    lines.push(
      `| ${mdText(r.metric)} | ${mdText(fmt(r.baseline))} | ${mdText(fmt(r.current))} | ${mdText(`${fmtSigned(r.delta)} (${fmtPct(r.relative_delta)})`)} worse |`,
    );
  }
  return [...lines, ''];
}

/** The sample's largest drop over the gated paths, in words; or the gates it fails on its own values. */
function changeOf(r: RankedSample<SampleRecord>): string {
  const worst = r.deltas
    .filter((d) => d.relative !== null && d.relative < 0)
    .sort((a, b) => (a.relative ?? 0) - (b.relative ?? 0))[0];
  const parts: string[] = [];
  if (worst !== undefined) {
    parts.push(
      `${mdText(worst.path)} ${mdText(fmt(worst.baseline))} → ${mdText(fmt(worst.current))} (${mdText(`${fmtSigned(worst.delta)}, ${fmtPct(worst.relative)}`)} worse)`,
    );
  }
  if (r.failing.length) parts.push(`fails ${mdText(r.failing.join('; '))}`);
  return parts.join('<br>') || '—';
}

function posterCell(sample: SampleRecord, poster: PosterLink | undefined, reportUrl: string | null): string {
  if (poster?.image) {
    const img = `![poster frame of sample ${mdText(sample.sample_id)}](${mdUrl(poster.image)})`;
    return reportUrl ? `[${img}](${mdUrl(reportSampleLink(reportUrl, sample.sample_id))})` : img;
  }
  if (poster?.link) return `[poster frame](${mdUrl(poster.link.url)}) ${mdCode(poster.link.file)}`;
  if (poster?.video) return `[video](${mdUrl(poster.video)})`;
  return '—';
}

/**
 * The samples the comment lists for a run: the shared ranking (failing gates on their own values first,
 * then the largest drop against the same sample in the baseline), only those that failed or got worse.
 */
export function commentSamples(
  rec: RunRecord,
  baseline: RunRecord | null,
  max: number,
): RankedSample<SampleRecord>[] {
  if (rec.status === 'PASS') return [];
  return rankSamples(rec, baseline)
    .filter((r) => r.failing.length > 0 || r.worstDrop > 0)
    .slice(0, max);
}

function worstSamples(
  run: PrCommentRun,
  max: number,
  reportUrl: string | null,
  viewerUrl: string | undefined,
): string[] {
  const ranked = commentSamples(run.record, run.baseline, max);
  if (ranked.length === 0) return [];
  const lines = [
    `**Top regressed samples** (${ranked.length})`,
    '',
    '| poster frame | prompt | seed | delta vs baseline |',
    '|---|---|---|---|',
  ];
  for (const r of ranked) {
    const s = r.sample;
    const rec = run.record;
    const side = viewerUrl
      ? ` · [side by side](${mdUrl(viewerLink(viewerUrl, 'sample', rec.project, rec.suite_name, rec.model_name, rec.run_id, s.sample_id))})`
      : '';
    lines.push(
      `| ${posterCell(s, run.posters.get(s.sample_id), reportUrl)} | ${mdText(s.prompt)}${side} | ${s.seed} | ${changeOf(r)} |`,
    );
  }
  return [...lines, ''];
}

function runSection(run: PrCommentRun, maxSamples: number, viewerUrl?: string): string[] {
  const rec = run.record;
  const viewer = viewerUrl
    ? ` · [in the viewer](${mdUrl(viewerLink(viewerUrl, 'run', rec.project, rec.suite_name, rec.model_name, rec.run_id))})`
    : '';
  const reportUrl = run.report && 'url' in run.report ? run.report.url : null;
  const report =
    run.report === null
      ? ''
      : reportUrl !== null
        ? ` · [report](${mdUrl(reportUrl)})`
        : ` · report: ${mdCode((run.report as { path: string }).path)} in the artifact`;
  const lines = [
    `### ${ICON[rec.status] ?? ''} ${rec.status} · ${mdText(`${rec.project}/${rec.suite_name}/${rec.model_name}`)}`,
    '',
    `Run ${mdCode(rec.run_id)} · baseline ${mdText(rec.baseline.mode)} → ${rec.baseline.run_id === null ? 'none' : mdCode(rec.baseline.run_id)} · ${rec.counts.measured} of ${rec.counts.planned} samples measured, ${rec.counts.failed} failed${report}${viewer}`,
    '',
    ...failingGates(rec),
    ...regressions(rec),
    ...worstSamples(run, maxSamples, reportUrl, viewerUrl),
  ];
  for (const e of rec.errors) lines.push(`> ⚠️ ${mdText(e)}`, '');
  return lines;
}

function footer(input: PrCommentInput): string {
  const links: string[] = [];
  if (input.viewerUrl) links.push(`[viewer](${mdUrl(input.viewerUrl)})`);
  if (input.artifactUrl) links.push(`[artifact with every video and report](${mdUrl(input.artifactUrl)})`);
  if (input.workflowRunUrl) links.push(`[workflow run](${mdUrl(input.workflowRunUrl)})`);
  return links.length ? `${links.join(' · ')}\n` : '';
}

/** The whole comment: marker, verdict, then per run its failing gates, regressions and worst samples. */
export function prCommentMarkdown(input: PrCommentInput): string {
  const key = input.key ?? defaultCommentKey(input.runs);
  const status = overallStatus(input.runs);
  const head = [
    prCommentMarker(key),
    `## ${ICON[status] ?? ''} TemporalCI: ${status}`,
    '',
    ...(input.runs.length === 0 ? ['No run was found in the artifacts folder.', ''] : []),
  ];
  const body = input.runs.flatMap((r) =>
    runSection(r, input.maxSamples ?? DEFAULT_COMMENT_SAMPLES, input.viewerUrl),
  );
  const text = [...head, ...body].join('\n');
  const end = `\n${footer(input)}`;
  return `${cutAtLine(text, COMMENT_LIMIT_CHARS - end.length)}${end}`;
}

/** Cuts at a line boundary to fit `limit` characters, saying so; the marker (the first line) always stays. */
function cutAtLine(text: string, limit: number): string {
  if (text.length <= limit) return `${text.replace(/\n+$/, '')}\n`;
  const note = '\n\n_(comment cut to stay under the GitHub comment limit; the report has every run)_\n';
  const cut = text.slice(0, limit - note.length);
  return `${cut.slice(0, Math.max(cut.indexOf('\n'), cut.lastIndexOf('\n')))}${note}`;
}
