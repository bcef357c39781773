import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describeError, TemporalCIError } from '../../errors.js';
import { fmt } from '../../report/html.js';
import { loadSuiteModels } from '../../report/suite-index.js';
import { type SuiteSummary, type SummaryModelInput, summarizeSuite } from '../../report/suite-summary.js';
import { isSafeName } from '../../schema/limits.js';
import type { LocalStore } from '../../store/local.js';
import { out, warn } from '../io.js';
import { openLocalStore, openSuiteRoot } from '../store.js';
import { printTable } from '../table.js';

interface SummaryFlags {
  suiteRoot?: string;
  artifactsDir?: string;
  json?: boolean;
}

interface SuiteTable extends SuiteSummary {
  project: string;
  suite: string;
}

/** One suite's table, from each model's index and latest run.json; null for a folder without models. */
async function suiteTable(store: LocalStore, project: string, suite: string): Promise<SuiteTable | null> {
  const models = await loadSuiteModels(store, project, suite);
  if (models.length === 0) return null;
  const inputs: SummaryModelInput[] = [];
  for (const m of models) {
    const latest = m.entries[m.entries.length - 1] ?? null;
    let gates: SummaryModelInput['gates'] = null;
    if (latest) {
      try {
        gates = (await store.readRun({ ...m.key, runId: latest.run_id })).gates;
      } catch (e) {
        warn(`run ${latest.run_id} of ${m.name}: ${describeError(e)}`);
      }
    }
    inputs.push({ name: m.name, latest, gates });
  }
  return { project, suite, ...summarizeSuite(inputs) };
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every suite of every project under the artifacts folder (the original's `summary --artifacts-dir`). */
async function everySuite(artifactsDir: string): Promise<SuiteTable[]> {
  const st = await fs.stat(artifactsDir).catch(() => null);
  if (!st?.isDirectory())
    throw new TemporalCIError('RUN_NOT_FOUND', `artifacts folder ${artifactsDir} does not exist`, {
      hint: 'pass the folder given to `run --artifacts-dir`',
    });
  const store = openLocalStore(artifactsDir);
  const found: SuiteTable[] = [];
  // A folder the engine could not have made (not a safe name) holds no suite: left out, not an error.
  for (const project of (await subfolders(artifactsDir)).filter(isSafeName)) {
    for (const suite of (await subfolders(path.join(artifactsDir, project))).filter(isSafeName)) {
      const t = await suiteTable(store, project, suite);
      if (t) found.push(t);
    }
  }
  return found;
}

function printSuite(s: SuiteTable): void {
  printTable([
    ['model', 'status', 'run', ...s.columns.map((c) => c.label)],
    ...s.rows.map((r) => [
      r.model,
      r.status,
      r.run_id ?? '—',
      ...r.cells.map((c) =>
        !r.record_read ? '?' : c === null ? '—' : `${fmt(c.actual)} ${c.passed ? 'PASS' : 'FAIL'}`,
      ),
    ]),
  ]);
  if (s.rows.some((r) => !r.record_read))
    out('? = the run.json of that run could not be read (see the warning)');
}

/** As a multi-suite `run`: 1 when any suite says 1, else 2 when any says 2, else 0. */
const worst = (codes: readonly number[]): 0 | 1 | 2 => (codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0);

async function tables(flags: SummaryFlags): Promise<SuiteTable[]> {
  const { suiteRoot, artifactsDir } = flags;
  if (suiteRoot !== undefined && artifactsDir === undefined) {
    const { store, project, suite } = await openSuiteRoot(suiteRoot);
    const t = await suiteTable(store, project, suite);
    return t ? [t] : [];
  }
  if (artifactsDir !== undefined && suiteRoot === undefined) return everySuite(artifactsDir);
  throw new TemporalCIError('USAGE', 'summary needs exactly one of --suite-root or --artifacts-dir', {
    hint: 'e.g. temporalci summary --suite-root artifacts/<project>/<suite>',
  });
}

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description(
      "one row per model of a suite: the latest run's status and, per gate, the value it measured and its verdict; exit as status --suite-root",
    )
    .option('--suite-root <dir>', 'artifacts/<project>/<suite>')
    .option('--artifacts-dir <dir>', 'every suite of every project in this artifacts folder, one table each')
    .option('--json', 'print as JSON')
    .action(async (flags: SummaryFlags) => {
      const found = await tables(flags);
      const where = flags.suiteRoot ?? flags.artifactsDir;
      if (found.length === 0) {
        throw new TemporalCIError('RUN_NOT_FOUND', `no model folders (with index.json) under ${where}`, {
          hint: 'pass artifacts/<project>/<suite_name> (or the artifacts folder) after running the suite',
        });
      }
      process.exitCode = worst(found.map((t) => t.exit_code));
      if (flags.json) {
        // One suite keeps the single-suite shape; a whole folder lists its suites.
        const body =
          flags.suiteRoot !== undefined
            ? { suite_root: flags.suiteRoot, ...found[0] }
            : { artifacts_dir: flags.artifactsDir, exit_code: process.exitCode, suites: found };
        out(JSON.stringify(body, null, 2));
        return;
      }
      found.forEach((t, i) => {
        if (flags.artifactsDir !== undefined) {
          if (i > 0) out();
          out(`${t.project} / ${t.suite}`);
        }
        printSuite(t);
      });
    });
}
