import { promises as fs } from 'node:fs';
import path from 'node:path';
import { modelRoot, newRunId } from '../store/paths.js';
import { hasRecord, readRecordAt } from '../store/run-files.js';
import { loadSuite } from '../suite/load.js';

/**
 * The run folders a cycle made. Run ids begin with their start time (`20261122T071302145Z-…`, sortable), so
 * a cycle's runs are those of its suite's models at or after the cycle's start, found even when the
 * supervisor died before the child could say which they were.
 */

export interface SuiteFolders {
  /** The suite's models in run order, each with the folder its runs go to. */
  models: { name: string; root: string }[];
}

export async function suiteFolders(suiteFile: string, artifactsDir: string): Promise<SuiteFolders> {
  const suite = await loadSuite(suiteFile);
  const c = suite.config;
  return {
    models: c.models.map((m) => ({
      name: m.name,
      root: modelRoot(artifactsDir, c.project, c.suite_name, m.name),
    })),
  };
}

async function runDirsSince(root: string, sinceUtc: string): Promise<string[]> {
  // One second of slack: the child names its run after it starts, never before the cycle.
  const first = newRunId(new Date(Date.parse(sinceUtc) - 1000), '');
  const names = await fs.readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => /^\d{8}T\d{9}Z-/.test(n) && n >= first)
    .sort()
    .map((n) => path.join(root, n));
}

/** No run.json (the session was killed), or one that says INTERRUPTED (it was stopped): `run --resume` continues it. */
async function unfinished(dir: string): Promise<boolean> {
  if (!(await hasRecord(dir))) return true;
  return (await readRecordAt(dir)).status === 'INTERRUPTED';
}

/** Unfinished run folders of this cycle, and how many samples they hold. */
export async function unfinishedRuns(
  folders: SuiteFolders,
  sinceUtc: string,
): Promise<{ dirs: string[]; samples: number }> {
  const dirs: string[] = [];
  let samples = 0;
  for (const { root } of folders.models) {
    for (const dir of await runDirsSince(root, sinceUtc)) {
      if (!(await unfinished(dir))) continue;
      dirs.push(dir);
      const text = await fs.readFile(path.join(dir, 'samples.jsonl'), 'utf8').catch(() => '');
      samples += text.split('\n').filter((l) => l.trim() !== '').length;
    }
  }
  return { dirs, samples };
}

/** A run folder worth `run --resume`: it has the state a resume needs. */
async function resumable(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, 'state.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Where a cycle a dead supervisor left stands, per model: runs that finished, runs `run --resume` can
 * continue, and models that never got a run (`run` takes a suite's models one after another, so a kill
 * during the first leaves the others unstarted; a folder without resume state counts as unstarted too).
 */
export interface CycleProgress {
  finished: string[];
  resumable: string[];
  notStarted: string[];
}

export async function cycleProgress(folders: SuiteFolders, sinceUtc: string): Promise<CycleProgress> {
  const progress: CycleProgress = { finished: [], resumable: [], notStarted: [] };
  for (const { name, root } of folders.models) {
    let started = false;
    for (const dir of await runDirsSince(root, sinceUtc)) {
      if (!(await unfinished(dir))) {
        progress.finished.push(dir);
        started = true;
      } else if (await resumable(dir)) {
        progress.resumable.push(dir);
        started = true;
      }
    }
    if (!started) progress.notStarted.push(name);
  }
  return progress;
}
