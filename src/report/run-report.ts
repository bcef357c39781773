import path from 'node:path';
import { gatedPaths } from '../gates/ranking.js';
import { percent } from '../platform/format.js';
import { atomicWriteFile } from '../platform/fs.js';
import type { RunRecord } from '../schema/run.js';
import { RUN_FILE, readRunRecord } from '../store/local.js';
import { within } from '../store/paths.js';
import { gateTarget, isHevc, perSamplePaths, rankSamples, sampleValues } from './analysis.js';
import { esc, fmt, fmtPct, fmtSigned, page, pill, statusTone, table } from './html.js';
import { metricNotes } from './metric-notes.js';
import { safetySection } from './safety.js';
import { flaggedSamples } from './safety-data.js';
import { type SideThumbs, sampleCard } from './sample-cards.js';
import { lookFirst, samplesTable } from './sample-table.js';
import { sprtView } from './sprt-view.js';
import { distributionChart, sprtChart } from './svg.js';
import { exists, ThumbCache } from './thumbs.js';

export const REPORT_FILE = 'report.html';

export interface RunReportOptions {
  /** How many worst-regressed samples get videos and frame strips. Default 6. */
  topN?: number;
  /** At most this many per-metric distribution charts. Default 12. */
  maxCharts?: number;
  /** The suite's artifacts.show_flagged_unblurred: show samples flagged unsafe as they are. Default: what the
   * run recorded in run.json, else false. */
  showFlaggedUnblurred?: boolean;
  signal?: AbortSignal;
}

export interface RunReportResult {
  path: string;
  /** Problems met while building the report (also shown inside it). */
  warnings: string[];
}

/** The baseline run record when the baseline is a single stored run next to this one; null otherwise. */
async function loadBaselineRecord(runDir: string, rec: RunRecord): Promise<RunRecord | null> {
  const id = rec.baseline.run_id;
  if (id === null || !/^[A-Za-z0-9._-]+$/.test(id)) return null; // none, or a rolling mean of several runs
  try {
    return await readRunRecord(path.join(path.dirname(runDir), id));
  } catch {
    return null;
  }
}

function verdictLine(rec: RunRecord): string {
  const failedGates = rec.gates.filter((g) => !g.passed).length;
  const regressed = rec.regressions.filter((r) => r.regressed).length;
  const parts = [
    `${rec.gates.length - failedGates} of ${rec.gates.length} gates passed`,
    `${regressed} regression${regressed === 1 ? '' : 's'} vs baseline${rec.ignore_regression && regressed ? ' (ignored)' : ''}`,
    `${rec.counts.measured} of ${rec.counts.planned} samples measured`,
  ];
  if (rec.errors.length) parts.push(`${rec.errors.length} run error${rec.errors.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

function metaGrid(rec: RunRecord): string {
  const items: [string, string][] = [
    ['Project / suite / model', `${rec.project} / ${rec.suite_name} / ${rec.model_name}`],
    ['Run', rec.run_id],
    ['Started (UTC)', rec.timestamp_utc],
    ['Duration', `${rec.duration_s.toFixed(1)} s`],
    ['Baseline', `${rec.baseline.mode} → ${rec.baseline.run_id ?? rec.baseline.note ?? 'none'}`],
    [
      'Samples',
      `${rec.counts.planned} planned, ${rec.counts.measured} measured, ${rec.counts.failed} failed`,
    ],
    [
      'Git',
      rec.git
        ? `${rec.git.commit.slice(0, 12)}${rec.git.branch ? ` (${rec.git.branch})` : ''}${rec.git.dirty ? ' dirty' : ''}`
        : 'not a git checkout',
    ],
    ['ffmpeg', rec.environment.ffmpeg?.version ?? 'unknown'],
  ];
  if (rec.note) items.push(['Note', rec.note]);
  if (rec.tag) items.push(['Tag', rec.tag]);
  return `<div class="meta">${items.map(([k, v]) => `<div>${esc(k)}: <b>${esc(v)}</b></div>`).join('')}</div>`;
}

function gatesSection(rec: RunRecord): string {
  const rows = rec.gates.map((g) => [
    String(g.index + 1),
    esc(g.metric),
    esc(g.method),
    esc(gateTarget(g)),
    `<span class="num">${esc(fmt(g.actual))}</span>`,
    String(g.sample_count),
    g.passed && g.warning
      ? pill('PASS (warning)', 'warn')
      : pill(g.passed ? 'PASS' : 'FAIL', g.passed ? 'good' : 'bad'),
    esc(g.reason) +
      (g.window
        ? ` <span class="muted">(window: ${g.window.failures} of ${g.window.size} failed, fails at ${g.window.min_failures})</span>`
        : ''),
  ]);
  return `<section aria-labelledby="h-gates"><h2 id="h-gates">Gates</h2>${
    rows.length
      ? table(['#', 'metric', 'method', 'target', 'actual', 'n', 'verdict', 'why'], rows)
      : '<p>No gates.</p>'
  }</section>`;
}

function regressionsSection(rec: RunRecord): string {
  if (rec.baseline.run_id === null) {
    return `<section aria-labelledby="h-reg"><h2 id="h-reg">Regressions vs baseline</h2><p>No baseline (${esc(rec.baseline.mode)}${rec.baseline.note ? `: ${esc(rec.baseline.note)}` : ''}); regressions were not checked.</p></section>`;
  }
  const rows = rec.regressions.map((r) => {
    const worse = r.direction === 'higher_is_better' ? r.delta < 0 : r.delta > 0;
    const cls = r.delta === 0 ? 'same' : worse ? 'worse' : 'better';
    const word = r.delta === 0 ? 'unchanged' : worse ? '▼ worse' : '▲ better';
    return [
      esc(r.metric),
      esc(r.direction.replace(/_/g, ' ')),
      `<span class="num">${esc(fmt(r.baseline))}</span>`,
      `<span class="num">${esc(fmt(r.current))}</span>`,
      `<span class="${cls}">${esc(fmtSigned(r.delta))} (${esc(fmtPct(r.relative_delta))}) ${word}</span>`,
      `${esc(fmt(r.tolerance.min_absolute_change))} abs, ${esc(percent(r.tolerance.min_relative_change))} rel`,
      pill(r.regressed ? 'REGRESSED' : 'OK', r.regressed ? 'bad' : 'good'),
    ];
  });
  return `<section aria-labelledby="h-reg"><h2 id="h-reg">Regressions vs baseline ${esc(rec.baseline.run_id)}</h2>${
    rows.length
      ? table(['metric', 'direction', 'baseline', 'current', 'delta', 'tolerance', 'verdict'], rows)
      : '<p>No threshold gate has a direction to compare.</p>'
  }${rec.ignore_regression ? '<p class="muted">Regressions are reported but ignored (--ignore-regression).</p>' : ''}</section>`;
}

function sprtSection(rec: RunRecord): string {
  const cards = rec.gates.flatMap((g) => {
    const v = sprtView(g);
    if (!v) return [];
    const chart =
      v.looks.length && v.upper !== null && v.lower !== null
        ? sprtChart(
            `SPRT log-likelihood ratio, gate ${g.index + 1} (${g.metric})`,
            v.looks.map((l) => ({ n: l.n, llr: l.llr, label: `wave ${l.wave}` })),
            v.upper,
            v.lower,
          )
        : '<p class="muted">No LLR trace recorded for this gate.</p>';
    const worst = v.worst.length
      ? table(
          ['sample', 'prompt', 'seed', 'baseline', 'candidate', 'delta (+ = better)'],
          v.worst.map((w) => [
            `<a href="#sample-${esc(w.key)}">${esc(w.key)}</a>`,
            esc(w.prompt ?? rec.samples.find((s) => s.sample_id === w.key)?.prompt ?? '—'),
            esc(w.seed ?? rec.samples.find((s) => s.sample_id === w.key)?.seed ?? '—'),
            esc(fmt(w.baseline)),
            esc(fmt(w.current)),
            `<span class="${w.delta < 0 ? 'worse' : 'same'}">${esc(fmtSigned(w.delta))}${w.delta < 0 ? ' worse' : ''}</span>`,
          ]),
          'Worst paired deltas',
        )
      : '';
    return [
      `<div class="card sprt"><h3>Gate ${g.index + 1}: ${esc(g.metric)} — decision ${pill(v.decision, g.passed ? 'good' : 'bad')}</h3>
<p>Pairs used <b>${esc(v.pairsUsed ?? '—')}</b> of <b>${esc(v.pairsPlanned ?? '—')}</b> planned · LLR <b>${esc(fmt(v.llr, 4))}</b> · boundaries A=${esc(fmt(v.upper, 4))} (no regression), B=${esc(fmt(v.lower, 4))} (regression)${v.sigma !== null ? ` · σ=${esc(fmt(v.sigma))}` : ''}</p>
${v.reason ? `<p class="muted">${esc(v.reason)}</p>` : ''}${chart}${worst}</div>`,
    ];
  });
  return cards.length
    ? `<section aria-labelledby="h-sprt"><h2 id="h-sprt">Sequential test (SPRT)</h2>${cards.join('\n')}</section>`
    : '';
}

function distributionsSection(rec: RunRecord, baseline: RunRecord | null, maxCharts: number): string {
  const targets = new Map<string, number>();
  for (const g of rec.gates)
    if (typeof g.value === 'number' && !targets.has(g.metric)) targets.set(g.metric, g.value);
  const charts = perSamplePaths(rec, baseline ? [baseline] : [])
    .map((p) => ({ p, b: sampleValues(baseline, p), c: sampleValues(rec, p) }))
    .filter((x) => x.b.length + x.c.length > 0)
    .slice(0, maxCharts)
    .map((x) => distributionChart(x.p, x.b, x.c, targets.get(x.p)));
  if (!charts.length) return '';
  return `<section aria-labelledby="h-dist"><h2 id="h-dist">Per-metric distributions, baseline vs candidate</h2><p class="muted">Each dot is one sample (baseline ● circles, candidate ■ squares); boxes span the quartiles, the thick line is the median.</p><div class="charts">${charts.join('')}</div></section>`;
}

function errorsSection(rec: RunRecord): string {
  const failed = rec.samples.filter((s) => s.error !== null);
  const runLevel = rec.errors.map((e) => `<li>${esc(e)}</li>`).join('');
  if (!failed.length && !runLevel) return '';
  const cards = failed.map((s) => {
    const e = s.error!;
    return `<div class="card sample-error"><h3>${esc(s.prompt)} <span class="muted">(seed ${esc(s.seed)}, sample ${esc(s.sample_id)})</span></h3>
<p>${pill('ERROR', 'bad')} at <b>${esc(e.stage)}</b>: <code>${esc(e.code)}</code> ${esc(e.message)}${e.exit_code !== undefined ? ` (exit code ${esc(e.exit_code)}${e.exit_code === 124 ? ', killed on timeout' : ''})` : ''}</p>
${e.log_tail ? `<details open><summary>Log tail</summary><pre>${esc(e.log_tail)}</pre></details>` : ''}</div>`;
  });
  return `<section aria-labelledby="h-err"><h2 id="h-err">Errors</h2>${runLevel ? `<ul>${runLevel}</ul>` : ''}${cards.join('\n')}</section>`;
}

/** Why a flagged sample's video is not embedded (null when it may be shown). */
function hiddenBecause(reasons: string[] | undefined, showUnblurred: boolean): string | null {
  if (reasons === undefined || showUnblurred) return null;
  return `flagged unsafe (${reasons.join('; ')}): not embedded, frames blurred (artifacts.show_flagged_unblurred)`;
}

async function worstSection(
  runDir: string,
  rec: RunRecord,
  baseline: RunRecord | null,
  topN: number,
  thumbs: ThumbCache,
  showUnblurred: boolean,
): Promise<string> {
  // Without a baseline nothing regressed: the cards show only the samples failing a gate on their own values.
  const ranked = rankSamples(rec, baseline)
    .filter((r) => baseline !== null || r.failing.length > 0)
    .slice(0, topN);
  if (!ranked.length) return '';
  const baseDir = baseline ? path.join(path.dirname(runDir), baseline.run_id) : null;
  // Flagged content stays out of every section, not just the Safety one; the baseline's own flags count too.
  const flagged = flaggedSamples(rec);
  const baseFlagged = flaggedSamples(baseline);
  const cards: string[] = [];
  for (const [i, r] of ranked.entries()) {
    const s = r.sample;
    let candidateVideo: string | null = null;
    let candidateThumbs: SideThumbs = { poster: null, strip: [] };
    const candidateHidden = hiddenBecause(flagged.get(s.sample_id), showUnblurred);
    if (s.video_path && s.retained && (await exists(within(runDir, s.video_path)))) {
      const blur = candidateHidden !== null;
      if (!blur) candidateVideo = s.video_path;
      candidateThumbs = await thumbs.get(within(runDir, s.video_path), s, `${s.sample_id}-cand`, blur);
    }
    let baselineVideo: string | null = null;
    let baselineMissing: string | null = null;
    let baselineThumbs: SideThumbs = { poster: null, strip: [] };
    const b = r.baseline;
    const baselineHidden = b ? hiddenBecause(baseFlagged.get(b.sample_id), showUnblurred) : null;
    if (!baseline || !baseDir) baselineMissing = 'this run has no single baseline run';
    else if (!b) baselineMissing = `baseline run ${baseline.run_id} has no sample with this id`;
    else if (!b.video_path || !b.retained)
      baselineMissing = `baseline run ${baseline.run_id} did not keep this video (retention policy)`;
    else if (!(await exists(within(baseDir, b.video_path))))
      baselineMissing = `the file was deleted from baseline run ${baseline.run_id}`;
    else {
      // Linked, not copied: the baseline run is never pruned while it is the baseline (see prune).
      if (baselineHidden === null) baselineVideo = path.join('..', baseline.run_id, b.video_path);
      else baselineMissing = baselineHidden;
      baselineThumbs = await thumbs.get(
        within(baseDir, b.video_path),
        b,
        `${s.sample_id}-base`,
        baselineHidden !== null,
      );
    }
    cards.push(
      sampleCard({
        rank: i + 1,
        ranked: r,
        candidateVideo,
        baselineVideo,
        baselineMissing,
        candidateMissing: candidateHidden,
        candidateThumbs,
        baselineThumbs,
        blurred: { candidate: candidateHidden !== null, baseline: baselineHidden !== null },
        noBaselineRun: baseline === null,
      }),
    );
  }
  if (baseline === null)
    return `<section aria-labelledby="h-worst"><h2 id="h-worst">Samples failing a gate (${ranked.length})</h2><p class="muted">This run has no baseline to regress against: these samples fail a gate on their own values.</p>${cards.join('\n')}</section>`;
  return `<section aria-labelledby="h-worst"><h2 id="h-worst">Worst-regressed samples (${ranked.length})</h2><p class="muted">Samples failing a gate on their own values first, then the largest direction-aware drop against the same prompt and seed in the baseline.</p>${cards.join('\n')}</section>`;
}

/** Builds report.html for one run folder from its run.json (and its baseline's), with thumbnails. */
export async function writeRunReport(runDir: string, opts: RunReportOptions = {}): Promise<RunReportResult> {
  const rec = await readRunRecord(runDir);
  const baseline = await loadBaselineRecord(runDir, rec);
  const warnings: string[] = [];
  if (rec.baseline.run_id !== null && baseline === null && !rec.baseline.run_id.startsWith('rolling:')) {
    warnings.push(
      `baseline run ${rec.baseline.run_id} is no longer readable (pruned?); baseline videos are not shown`,
    );
  }
  const thumbs = new ThumbCache(runDir, warnings, opts.signal);
  // A regenerated page must not expose what the run's own page hid, nor hide what the suite chose to show.
  const showUnblurred = opts.showFlaggedUnblurred ?? rec.artifacts?.show_flagged_unblurred === true;
  const topN = opts.topN ?? 6;
  const worst = await worstSection(runDir, rec, baseline, topN, thumbs, showUnblurred);
  const ranked = rankSamples(rec, baseline);
  const cards = new Set(
    ranked
      .filter((r) => baseline !== null || r.failing.length > 0)
      .slice(0, topN)
      .map((r) => r.sample.sample_id),
  );
  const gated = [...gatedPaths(rec.gates).keys()];
  const safety = await safetySection(runDir, rec, { showFlaggedUnblurred: showUnblurred }, thumbs);
  const hevc = [...rec.samples, ...(baseline?.samples ?? [])].some((s) => isHevc(s.video?.codec));
  const tone = statusTone(rec.status);
  const allWarnings = [...rec.warnings, ...warnings];
  const title = `${rec.status} · ${rec.model_name} · ${rec.run_id}`;
  const body = [
    `<header><h1>TemporalCI run report: ${esc(rec.project)} / ${esc(rec.suite_name)} / ${esc(rec.model_name)}</h1>`,
    `<p class="verdict ${tone}" id="verdict" role="status">Verdict: ${esc(rec.status)}</p><p>${esc(verdictLine(rec))}</p>`,
    lookFirst(ranked, cards),
    metaGrid(rec),
    hevc
      ? '<p class="note" id="hevc-warning">Some videos are H.265 (HEVC), which Chromium and Firefox do not play. Set artifacts.encode to h264 or vp9 to review them in a browser.</p>'
      : '',
    allWarnings.length
      ? `<details><summary>${allWarnings.length} warning(s)</summary><ul>${allWarnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></details>`
      : '',
    '</header>',
    metricNotes(rec),
    gatesSection(rec),
    regressionsSection(rec),
    sprtSection(rec),
    samplesTable(rec.samples, ranked, gated, baseline !== null, cards),
    safety,
    worst,
    distributionsSection(rec, baseline, opts.maxCharts ?? 12),
    errorsSection(rec),
    `<footer class="muted"><p>Generated by TemporalCI ${esc(rec.environment.temporalci)} from ${esc(RUN_FILE)}. Paths of gated metrics: ${esc([...gatedPaths(rec.gates).keys()].join(', '))}.</p></footer>`,
  ].join('\n');
  const file = path.join(runDir, REPORT_FILE);
  await atomicWriteFile(file, page(title, body));
  return { path: file, warnings };
}
