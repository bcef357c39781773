import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteFile } from '../platform/fs.js';
import type { IndexEntry } from '../schema/files.js';
import type { RunRecord } from '../schema/run.js';
import { INDEX_FILE, loadIndex, readRunRecord, type Warn } from '../store/local.js';
import { scalarMetrics } from './analysis.js';
import { loadHistory } from './history.js';
import { esc, fmt, page, pill, relUrl, statusTone } from './html.js';
import { REPORT_FILE } from './run-report.js';
import { statusStrip } from './svg.js';
import { trendHtml } from './trend.js';

/**
 * Suite-level views over the run store (artifacts/<project>/<suite>/<model>/…): every model's latest status
 * for `status --suite-root`, and the suite's index.html, rewritten after each run.
 */

const SUITE_INDEX_FILE = 'index.html';
const TREND_FILE = 'trend.html';
/** Runs in each card's strip, and in the trend page written after each run (as `trend`'s default). */
const STRIP_RUNS = 20;
const TREND_RUNS = 30;
const CARD_METRICS = 5;

export interface SuiteModel {
  name: string;
  root: string;
  /** Oldest first; empty when the model folder has an index but no run yet. */
  entries: IndexEntry[];
}

/** Model folders of a suite folder: the subfolders holding an index.json, by name. */
export async function loadSuiteModels(suiteRoot: string, warn: Warn): Promise<SuiteModel[]> {
  const st = await fs.stat(suiteRoot).catch(() => null);
  if (!st?.isDirectory()) {
    throw new TemporalCIError('RUN_NOT_FOUND', `suite root ${suiteRoot} does not exist`, {
      hint: 'pass artifacts/<project>/<suite_name>, the folder holding one folder per model',
    });
  }
  const out: SuiteModel[] = [];
  const dirents = await fs.readdir(suiteRoot, { withFileTypes: true });
  for (const d of dirents.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const root = path.join(suiteRoot, d.name);
    // Only folders with an index are models: loadIndex would otherwise "rebuild" one into any folder.
    const hasIndex = await fs.stat(path.join(root, INDEX_FILE)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (hasIndex) out.push({ name: d.name, root, entries: await loadIndex(root, warn) });
  }
  return out;
}

/**
 * The suite's exit code, like a multi-model `run`: 1 when any model's latest run is ERROR or INTERRUPTED,
 * or a model has no run (no verdict to rely on); else 2 when any is FAIL; else 0. The original returned 1
 * for every non-PASS, which could not tell a regression from a broken job.
 */
export function suiteExitCode(models: readonly SuiteModel[]): 0 | 1 | 2 {
  const latest = models.map((m) => m.entries[m.entries.length - 1]?.status);
  if (latest.length === 0 || latest.some((s) => s === undefined || s === 'ERROR' || s === 'INTERRUPTED'))
    return 1;
  return latest.includes('FAIL') ? 2 : 0;
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

interface Card {
  model: SuiteModel;
  latest: RunRecord | null;
  hasReport: boolean;
  hasTrend: boolean;
}

function card(c: Card): string {
  const { model, latest } = c;
  const last = model.entries[model.entries.length - 1];
  const id = `model-${model.name}`;
  if (!last) {
    return `<article class="card model" id="${esc(id)}" aria-labelledby="${esc(id)}-h"><h2 id="${esc(id)}-h">${esc(model.name)}</h2><p>${pill('NO RUNS', 'neutral')} This model has no recorded run yet.</p></article>`;
  }
  const recent = model.entries.slice(-STRIP_RUNS);
  const strip = statusStrip(
    `Last ${recent.length} statuses of ${model.name}, oldest first`,
    recent.map((e) => ({ label: e.run_id, status: e.status })),
  );
  const passes = model.entries.filter((e) => e.status === 'PASS').length;
  const metrics = latest ? [...scalarMetrics(latest)].slice(0, CARD_METRICS) : [];
  const links = [
    c.hasReport
      ? `<a href="${relUrl(`${model.name}/${last.run_id}/${REPORT_FILE}`)}">latest report</a>`
      : '<span class="muted">no report.html for the latest run</span>',
    c.hasTrend
      ? `<a href="${relUrl(`${model.name}/${TREND_FILE}`)}">trend</a>`
      : '<span class="muted">no trend.html yet</span>',
  ];
  return `<article class="card model" id="${esc(id)}" aria-labelledby="${esc(id)}-h">
<h2 id="${esc(id)}-h">${esc(model.name)} ${pill(last.status, statusTone(last.status))}</h2>
<p>Latest run <b>${esc(last.run_id)}</b> · ${esc(last.timestamp_utc)} · ${esc(last.samples_measured)} of ${esc(last.samples_planned)} samples measured${latest?.note ? ` · note: ${esc(latest.note)}` : ''}</p>
${strip}
<p class="muted">${model.entries.length} run(s), ${passes} passed; ✓ PASS · ✗ FAIL · ! ERROR or INTERRUPTED, oldest on the left.</p>
${metrics.length ? `<ul class="metrics">${metrics.map(([p, v]) => `<li>${esc(p)} = <span class="num">${esc(fmt(v))}</span></li>`).join('')}</ul>` : ''}
<p>${links.join(' · ')}</p>
</article>`;
}

/** The page: one card per model. Pure, so it is testable without a run store. */
function suiteIndexHtml(title: string, cards: readonly Card[]): string {
  const latest = cards.map((c) => c.model.entries[c.model.entries.length - 1]?.status ?? 'NO RUNS');
  const count = (s: string) => latest.filter((x) => x === s).length;
  const summary = `${cards.length} model(s): ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('ERROR') + count('INTERRUPTED')} ERROR or INTERRUPTED, ${count('NO RUNS')} without runs`;
  const body = `<header><h1>${esc(title)}</h1><p id="summary" role="status">${esc(summary)}</p></header>
<section aria-label="Models" class="charts">${cards.map(card).join('\n')}</section>`;
  return page(title, body);
}

/** Writes <suiteRoot>/index.html from the models' indexes and their latest run.json. */
export async function writeSuiteIndex(suiteRoot: string, warn: Warn): Promise<string> {
  const models = await loadSuiteModels(suiteRoot, warn);
  const cards: Card[] = [];
  let title = `TemporalCI: ${path.basename(path.dirname(suiteRoot))} / ${path.basename(suiteRoot)}`;
  for (const model of models) {
    const last = model.entries[model.entries.length - 1];
    let latest: RunRecord | null = null;
    if (last) {
      try {
        latest = await readRunRecord(path.join(model.root, last.run_id));
        title = `TemporalCI: ${latest.project} / ${latest.suite_name}`;
      } catch (e) {
        warn(`index.html: run ${last.run_id} of ${model.name}: ${describeError(e)}`);
      }
    }
    cards.push({
      model,
      latest,
      hasReport: last !== undefined && (await isFile(path.join(model.root, last.run_id, REPORT_FILE))),
      hasTrend: await isFile(path.join(model.root, TREND_FILE)),
    });
  }
  const file = path.join(suiteRoot, SUITE_INDEX_FILE);
  await atomicWriteFile(file, suiteIndexHtml(title, cards));
  return file;
}

/** Writes <modelRoot>/trend.html over the last runs, as `temporalci trend` does by default. */
export async function writeModelTrend(modelRoot: string, warn: Warn): Promise<string> {
  const runs = await loadHistory(modelRoot, warn, { lastN: TREND_RUNS });
  const rec = runs.find((r) => r.record)?.record;
  const title = `Trend: ${rec ? `${rec.project} / ${rec.suite_name} / ${rec.model_name}` : modelRoot}`;
  const file = path.join(modelRoot, TREND_FILE);
  await atomicWriteFile(file, trendHtml(title, runs));
  return file;
}
