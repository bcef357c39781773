import { appendText, fileSize } from '../platform/fs.js';
import type { RunRecord } from '../schema/run.js';
import { gateTarget, rankSamples } from './analysis.js';
import { fmt, fmtPct, fmtSigned } from './html.js';
import { mdUrl, reportSampleLink, viewerLink } from './links.js';

/**
 * GitHub Actions outputs: the job summary (Markdown appended to $GITHUB_STEP_SUMMARY) and workflow commands
 * (`::error` / `::warning`) that become annotations on the run and the PR.
 */

/** GitHub rejects a step summary over 1 MiB; stay well under it so other steps can append too. */
const SUMMARY_LIMIT_BYTES = 1024 * 1024;
const OWN_BUDGET_BYTES = 256 * 1024;

/** Markdown table cells from untrusted text: no HTML (GitHub renders it), no pipes, no line breaks. */
export function mdCell(v: unknown): string {
  return String(v)
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\|`*_[\]#~])/g, '\\$1');
}

/**
 * An inline code span from untrusted text: backslashes are literal inside code spans, so nothing is
 * escaped; the fence is one backtick longer than the longest run inside, and line breaks become spaces.
 */
export function mdCode(v: unknown): string {
  const text = String(v).replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export interface SummaryOptions {
  /** Where the report is: a URL when --report-url is given, else a path. */
  reportLink?: string;
  maxRegressions?: number;
  /** The baseline run, for each sample's delta in "Samples to look at". */
  baseline?: RunRecord | null;
  /** How many samples that table lists (default 5). */
  maxSamples?: number;
  /** Base URL of `temporalci view` (`--viewer-url`): each listed sample links to its side-by-side page. */
  viewerUrl?: string;
}

export function summaryMarkdown(rec: RunRecord, opts: SummaryOptions = {}): string {
  const icon = rec.status === 'PASS' ? '✅' : rec.status === 'FAIL' ? '❌' : '⚠️';
  const lines = [
    `## ${icon} ${rec.status}: ${mdCell(`${rec.project}/${rec.suite_name}/${rec.model_name}`)}`,
    '',
    `Run ${mdCode(rec.run_id)} · baseline ${mdCell(rec.baseline.mode)} → ${mdCell(rec.baseline.run_id ?? 'none')} · ${rec.counts.measured} of ${rec.counts.planned} samples measured, ${rec.counts.failed} failed`,
    '',
  ];
  if (rec.gates.length) {
    lines.push('| # | gate | target | actual | verdict | why |', '|---|---|---|---|---|---|');
    for (const g of rec.gates) {
      lines.push(
        `| ${g.index + 1} | ${mdCell(g.metric)} | ${mdCell(gateTarget(g))} | ${mdCell(fmt(g.actual))} | ${g.passed ? '✅ PASS' : '❌ FAIL'} | ${mdCell(g.reason)} |`,
      );
    }
    lines.push('');
  }
  const regressed = rec.regressions
    .filter((r) => r.regressed)
    .sort((a, b) => (a.relative_delta ?? 0) - (b.relative_delta ?? 0))
    .slice(0, opts.maxRegressions ?? 5);
  if (regressed.length) {
    lines.push(
      `### Top regressions${rec.ignore_regression ? ' (ignored)' : ''}`,
      '',
      '| metric | direction | baseline | current | delta |',
      '|---|---|---|---|---|',
    );
    for (const r of regressed) {
      lines.push(
        `| ${mdCell(r.metric)} | ${mdCell(r.direction.replace(/_/g, ' '))} | ${mdCell(fmt(r.baseline))} | ${mdCell(fmt(r.current))} | ${mdCell(`${fmtSigned(r.delta)} (${fmtPct(r.relative_delta)})`)} ▼ worse |`,
      );
    }
    lines.push('');
  }
  if (rec.status !== 'PASS') lines.push(...worstSamples(rec, opts));
  for (const e of rec.errors) lines.push(`> ⚠️ ${mdCell(e)}`, '');
  if (opts.viewerUrl !== undefined) {
    const page = viewerLink(opts.viewerUrl, 'run', rec.project, rec.suite_name, rec.model_name, rec.run_id);
    lines.push(`[This run in the viewer](${mdUrl(page)})`, '');
  }
  if (opts.reportLink) {
    lines.push(
      /^https?:\/\//.test(opts.reportLink)
        ? `[Full report](${opts.reportLink.replace(/[()\s]/g, encodeURIComponent)})`
        : `Full report: ${mdCode(opts.reportLink)}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The samples the report shows first (the shared ranking: failing the most gates, then the largest drop
 * against the same sample in the baseline), with prompt and seed, so a reviewer knows what to replay.
 */
function worstSamples(rec: RunRecord, opts: SummaryOptions): string[] {
  const ranked = rankSamples(rec, opts.baseline ?? null)
    .filter((r) => r.failing.length > 0 || r.worstDrop > 0)
    .slice(0, opts.maxSamples ?? 5);
  if (ranked.length === 0) return [];
  const lines = [
    '### Samples to look at',
    '',
    '| prompt | seed | fails | worst change |',
    '|---|---|---|---|',
  ];
  for (const r of ranked) {
    const worst = r.deltas
      .filter((d) => d.relative !== null && d.relative < 0)
      .sort((a, b) => (a.relative ?? 0) - (b.relative ?? 0))[0];
    const change =
      worst === undefined
        ? '—'
        : `${worst.path} ${fmt(worst.baseline)} → ${fmt(worst.current)} (${fmtPct(-(worst.relative ?? 0)).replace(/^\+/, '')} worse)`;
    lines.push(
      `| ${promptCell(rec, r.sample.prompt, r.sample.sample_id, opts)} | ${r.sample.seed} | ${mdCell(r.failing.join('; ') || '—')} | ${mdCell(change)} |`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * A listed sample's prompt, linked to its card in the report when the report has a URL (`--report-url`),
 * and followed by a link to the viewer's side-by-side page when `--viewer-url` is given.
 */
function promptCell(rec: RunRecord, prompt: string, sampleId: string, opts: SummaryOptions): string {
  const report =
    opts.reportLink !== undefined && /^https?:\/\//.test(opts.reportLink) ? opts.reportLink : null;
  const text =
    report === null ? mdCell(prompt) : `[${mdCell(prompt)}](${mdUrl(reportSampleLink(report, sampleId))})`;
  if (opts.viewerUrl === undefined) return text;
  const page = viewerLink(
    opts.viewerUrl,
    'sample',
    rec.project,
    rec.suite_name,
    rec.model_name,
    rec.run_id,
    sampleId,
  );
  return `${text} · [side by side](${mdUrl(page)})`;
}

/** Cuts Markdown at a line boundary so it fits `budget` bytes, saying that it was cut. */
export function truncateUtf8(text: string, budget: number): string {
  if (Buffer.byteLength(text) <= budget) return text;
  const note = '\n\n_(summary truncated to stay under the GitHub step summary limit)_\n';
  let cut = text.slice(0, Math.max(0, budget - note.length));
  while (Buffer.byteLength(cut) > budget - note.length) cut = cut.slice(0, -1);
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${note}`;
}

/**
 * Appends to the step summary file. The total file stays under GitHub's 1 MiB limit: our part gets at most
 * OWN_BUDGET_BYTES and never more than what is left in the file; with no room left, nothing is written.
 * Returns the bytes appended.
 */
export async function appendStepSummary(file: string, markdown: string): Promise<number> {
  const existing = (await fileSize(file)) ?? 0;
  const room = Math.min(OWN_BUDGET_BYTES, SUMMARY_LIMIT_BYTES - 1024 - existing);
  if (room < 256) return 0;
  const text = truncateUtf8(markdown, room);
  await appendText(file, text);
  return Buffer.byteLength(text);
}

/** Workflow-command escaping, as @actions/core does it: data escapes %, CR, LF; properties also ":" and ",". */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(
  kind: 'error' | 'warning' | 'notice',
  message: string,
  props: { title?: string; file?: string; line?: number } = {},
): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${kind}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** Where annotations point: the suite file and the line of each gate in it. */
export interface AnnotationSource {
  file?: string | undefined;
  gateLines?: readonly number[];
}

/** One annotation per failed gate, regression, failed sample (capped) and run error. */
export function annotations(rec: RunRecord, source: AnnotationSource = {}, maxSamples = 10): string[] {
  const who = `${rec.model_name}`;
  const out: string[] = [];
  // A line without a file means nothing to the runner: give both or neither.
  const at = (gateIndex: number) => {
    const line = source.gateLines?.[gateIndex];
    return source.file === undefined ? {} : { file: source.file, ...(line === undefined ? {} : { line }) };
  };
  for (const g of rec.gates.filter((x) => !x.passed)) {
    out.push(
      workflowCommand(
        'error',
        `gate ${g.metric} ${gateTarget(g)} failed: actual ${fmt(g.actual)} (${g.reason})`,
        { title: `TemporalCI ${who}: gate failed`, ...at(g.index) },
      ),
    );
  }
  for (const r of rec.regressions.filter((x) => x.regressed)) {
    out.push(
      workflowCommand(
        rec.ignore_regression ? 'warning' : 'error',
        `${r.metric} regressed vs baseline ${rec.baseline.run_id ?? ''}: ${fmt(r.baseline)} -> ${fmt(r.current)} (${fmtPct(r.relative_delta)}, ${r.direction.replace(/_/g, ' ')})`,
        { title: `TemporalCI ${who}: regression`, ...(r.gate_index === null ? at(-1) : at(r.gate_index)) },
      ),
    );
  }
  const failed = rec.samples.filter((s) => s.error !== null);
  for (const s of failed.slice(0, maxSamples)) {
    out.push(
      workflowCommand(
        'warning',
        `sample ${s.sample_id} (seed ${s.seed}, "${s.prompt}") failed at ${s.error?.stage}: ${s.error?.message}`,
        {
          title: `TemporalCI ${who}: sample failed`,
        },
      ),
    );
  }
  if (failed.length > maxSamples) {
    out.push(
      workflowCommand('warning', `${failed.length - maxSamples} more samples failed (see the report)`),
    );
  }
  for (const e of rec.errors)
    out.push(workflowCommand('error', e, { title: `TemporalCI ${who}: run error` }));
  return out;
}
