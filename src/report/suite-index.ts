import path from 'node:path';
import { describeError } from '../errors.js';
import { atomicWriteFile, isFile } from '../platform/fs.js';
import type { IndexEntry } from '../schema/files.js';
import type { RunRecord } from '../schema/run.js';
import { LocalStore } from '../store/local.js';
import { locateModelRoot, locateSuiteRoot } from '../store/locate.js';
import type { ModelKey, RunStore, Warn } from '../store/types.js';
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
  key: ModelKey;
  /** Oldest first; empty when the model folder has an index but no run yet. */
  entries: IndexEntry[];
}

/** Every model of a suite that has a history, by name, with its index. */
export async function loadSuiteModels(
  store: Pick<RunStore, 'listModels' | 'index'>,
  project: string,
  suite: string,
): Promise<SuiteModel[]> {
  const out: SuiteModel[] = [];
  for (const key of await store.listModels(project, suite)) {
    out.push({ name: key.model, key, entries: await store.index(key) });
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

/**
 * A store for the pages written after each run (by the engine's publishing): it reads the index as it is,
 * leaving the repair of a run whose writer died to the next command, which also writes that run's report.
 */
function publishingStore(artifactsDir: string, warn: Warn): LocalStore {
  return new LocalStore(artifactsDir, { warn, repairOnRead: false });
}

/** Writes <suiteRoot>/index.html from the models' indexes and their latest run.json. */
export async function writeSuiteIndex(suiteRoot: string, warn: Warn): Promise<string> {
  const { artifactsDir, project, suite } = locateSuiteRoot(suiteRoot);
  const store = publishingStore(artifactsDir, warn);
  const models = await loadSuiteModels(store, project, suite);
  const cards: Card[] = [];
  let title = `TemporalCI: ${project} / ${suite}`;
  for (const model of models) {
    const last = model.entries[model.entries.length - 1];
    const run = last ? { ...model.key, runId: last.run_id } : null;
    let latest: RunRecord | null = null;
    if (run) {
      try {
        latest = await store.readRun(run);
        title = `TemporalCI: ${latest.project} / ${latest.suite_name}`;
      } catch (e) {
        warn(`index.html: run ${run.runId} of ${model.name}: ${describeError(e)}`);
      }
    }
    cards.push({
      model,
      latest,
      hasReport: run !== null && (await store.exists({ run, name: REPORT_FILE })),
      hasTrend: await isFile(path.join(store.modelDir(model.key), TREND_FILE)),
    });
  }
  const file = path.join(suiteRoot, SUITE_INDEX_FILE);
  await atomicWriteFile(file, suiteIndexHtml(title, cards));
  return file;
}

/** Writes <modelRoot>/trend.html over the last runs, as `temporalci trend` does by default. */
export async function writeModelTrend(modelRoot: string, warn: Warn): Promise<string> {
  const { artifactsDir, model } = locateModelRoot(modelRoot);
  const runs = await loadHistory(publishingStore(artifactsDir, warn), model, warn, { lastN: TREND_RUNS });
  const rec = runs.find((r) => r.record)?.record;
  const title = `Trend: ${rec ? `${rec.project} / ${rec.suite_name} / ${rec.model_name}` : modelRoot}`;
  const file = path.join(modelRoot, TREND_FILE);
  await atomicWriteFile(file, trendHtml(title, runs));
  return file;
}
