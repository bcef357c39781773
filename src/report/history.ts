import { describeError, TemporalCIError } from '../errors.js';
import type { IndexEntry } from '../schema/files.js';
import type { RunRecord, RunStatus } from '../schema/run.js';
import type { ModelKey, RunStore, Warn } from '../store/types.js';
import { scalarMetrics } from './analysis.js';

/** A model's history as the commands see it: index.json entries (oldest first) with their run records. */
export interface HistoryRun {
  entry: IndexEntry;
  /** null when run.json is unreadable (the entry still shows, with a warning). */
  record: RunRecord | null;
}

export interface HistoryFilter {
  /** Only the last N runs (after the other filters). 0 or undefined = all. */
  lastN?: number;
  status?: RunStatus;
  /** ISO date or date-time; runs that started at or after it. */
  since?: string;
}

function parseSince(text: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(t)) {
    throw new TemporalCIError('USAGE', `--since "${text}" is not a date`, {
      hint: 'use YYYY-MM-DD or an ISO date-time',
    });
  }
  return t;
}

function filterEntries(entries: readonly IndexEntry[], f: HistoryFilter): IndexEntry[] {
  const since = f.since === undefined ? null : parseSince(f.since);
  const kept = entries.filter(
    (e) =>
      (f.status === undefined || e.status === f.status) &&
      (since === null || Date.parse(e.timestamp_utc) >= since),
  );
  return f.lastN ? kept.slice(-f.lastN) : kept;
}

/** The model's runs through the store, filtered, each with its record (null and a warning when unreadable). */
export async function loadHistory(
  store: Pick<RunStore, 'index' | 'readRun'>,
  model: ModelKey,
  warn: Warn,
  f: HistoryFilter = {},
): Promise<HistoryRun[]> {
  const entries = filterEntries(await store.index(model), f);
  const out: HistoryRun[] = [];
  for (const entry of entries) {
    try {
      out.push({ entry, record: await store.readRun({ ...model, runId: entry.run_id }) });
    } catch (e) {
      warn(`run ${entry.run_id}: ${describeError(e)}`);
      out.push({ entry, record: null });
    }
  }
  return out;
}

/** Scalar metric paths present in any of the runs, in first-seen order. */
export function metricPathsOf(runs: readonly HistoryRun[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) if (r.record) for (const p of scalarMetrics(r.record).keys()) seen.add(p);
  return [...seen];
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading =, +, - or @ makes spreadsheets evaluate the cell; prefix a quote (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV: one row per run, fixed columns then one column per scalar metric path seen in any run. */
export function exportCsv(runs: readonly HistoryRun[]): string {
  const paths = metricPathsOf(runs);
  const header = [
    'run_id',
    'timestamp_utc',
    'status',
    'samples_planned',
    'samples_measured',
    'gate_failed',
    'regression_failed',
    'baseline_run_id',
    'note',
    ...paths,
  ];
  const rows = runs.map((r) => {
    const m = r.record ? scalarMetrics(r.record) : new Map<string, number | null>();
    return [
      r.entry.run_id,
      r.entry.timestamp_utc,
      r.entry.status,
      r.entry.samples_planned,
      r.entry.samples_measured,
      r.entry.gate_failed,
      r.entry.regression_failed,
      r.record?.baseline.run_id ?? '',
      r.record?.note ?? '',
      ...paths.map((p) => m.get(p) ?? ''),
    ].map(csvCell);
  });
  return `${[header.map(csvCell), ...rows].map((r) => r.join(',')).join('\n')}\n`;
}

/** JSONL: one run per line without per-sample rows (they can be huge; run.json keeps them). */
export function exportJsonl(runs: readonly HistoryRun[]): string {
  return runs
    .map((r) => {
      if (!r.record) return JSON.stringify({ ...r.entry, error: 'run.json unreadable' });
      const { samples: _samples, ...rest } = r.record;
      return JSON.stringify(rest);
    })
    .map((l) => `${l}\n`)
    .join('');
}
