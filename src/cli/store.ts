import { promises as fs } from 'node:fs';
import { TemporalCIError } from '../errors.js';
import { REPORT_FILE, writeRunReport } from '../report/run-report.js';
import { LocalStore } from '../store/local.js';
import { locateModelRoot, locateSuiteRoot } from '../store/locate.js';
import type { ModelKey } from '../store/types.js';
import { warn } from './io.js';

/**
 * The run store as the commands open it: a LocalStore on the artifacts folder around the folder they are
 * given. Reading an index repairs it (a run whose writer died between run.json and index.json is added),
 * and the CLI finishes what that writer left undone: the run's report.html, which the store cannot write.
 */
export function openLocalStore(artifactsDir: string): LocalStore {
  const store: LocalStore = new LocalStore(artifactsDir, {
    warn,
    onRecovered: async (_record, run) => {
      // A rebuilt index reports every run as added; only the ones without a page need one.
      if (await store.exists({ run, name: REPORT_FILE })) return;
      const r = await writeRunReport(store.runDir(run));
      for (const w of r.warnings) warn(`report of ${run.runId}: ${w}`);
      warn(`wrote ${r.path} for recovered run ${run.runId}`);
    },
  });
  return store;
}

async function requireDir(dir: string, what: string, hint: string): Promise<void> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new TemporalCIError('RUN_NOT_FOUND', `${what} ${dir} does not exist`, { hint });
}

/** `--model-root artifacts/<project>/<suite>/<model>`. */
export async function openModelRoot(dir: string): Promise<{ store: LocalStore; model: ModelKey }> {
  await requireDir(
    dir,
    'model root',
    'pass artifacts/<project>/<suite_name>/<model>, the folder holding index.json',
  );
  const { artifactsDir, model } = locateModelRoot(dir);
  return { store: openLocalStore(artifactsDir), model };
}

/** `--suite-root artifacts/<project>/<suite>`. */
export async function openSuiteRoot(
  dir: string,
): Promise<{ store: LocalStore; project: string; suite: string }> {
  await requireDir(
    dir,
    'suite root',
    'pass artifacts/<project>/<suite_name>, the folder holding one folder per model',
  );
  const { artifactsDir, project, suite } = locateSuiteRoot(dir);
  return { store: openLocalStore(artifactsDir), project, suite };
}
