import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import {
  commentSamples,
  DEFAULT_COMMENT_SAMPLES,
  defaultCommentKey,
  type PosterLink,
  type PrCommentRun,
  prCommentMarkdown,
  prCommentMarker,
} from '../../report/pr-comment.js';
import { posterFiles } from '../../report/pr-comment-posters.js';
import { REPORT_FILE } from '../../report/run-report.js';
import type { RunRecord } from '../../schema/run.js';
import type { LocalStore } from '../../store/local.js';
import type { RunKey } from '../../store/types.js';
import { pullRequestContext, upsertComment } from '../github-api.js';
import { out, warn } from '../io.js';
import { openLocalStore } from '../store.js';
import { fleetRun, keyOf, readResults } from './pr-comment-results.js';

/** `temporalci pr-comment`'s flags as commander parses them (src/cli/commands/pr-comment.ts defines them). */
export interface PrCommentFlags {
  artifactsDir: string;
  runId: string[];
  since?: string;
  results?: string;
  reportUrl?: string;
  artifactUrl?: string;
  viewerUrl?: string;
  key?: string;
  top: number;
  dryRun?: boolean;
}

/** A folder name the store could have made (as LocalStore.listModels checks model folders). */
const STORE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function subfolders(dir: string): Promise<string[]> {
  const dirents = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return dirents
    .filter((d) => d.isDirectory() && STORE_NAME.test(d.name) && !d.name.includes('..'))
    .map((d) => d.name)
    .sort();
}

/**
 * The runs to comment on, from every model in the artifacts folder: the ones named by --run-id, else the
 * newest of each model (started at or after --since, when given: a restored history holds older runs).
 */
async function selectRuns(store: LocalStore, artifactsDir: string, flags: PrCommentFlags): Promise<RunKey[]> {
  const since = flags.since === undefined ? null : Date.parse(flags.since);
  const picked: RunKey[] = [];
  for (const project of await subfolders(artifactsDir)) {
    for (const suite of await subfolders(path.join(artifactsDir, project))) {
      for (const model of await store.listModels(project, suite)) {
        const entries = (await store.index(model)).filter(
          (e) => since === null || Date.parse(e.timestamp_utc) >= since,
        );
        const chosen = flags.runId.length
          ? entries.filter((e) => flags.runId.includes(e.run_id))
          : entries.slice(-1);
        for (const e of chosen) picked.push({ ...model, runId: e.run_id });
      }
    }
  }
  return picked;
}

/** The record a run was compared with; a rolling mean has none, and an unreadable one only costs deltas. */
async function baselineOf(store: LocalStore, rec: RunRecord): Promise<RunRecord | null> {
  const id = rec.baseline.run_id;
  if (id === null || id.startsWith('rolling:')) return null;
  const key = { project: rec.project, suite: rec.suite_name, model: rec.model_name, runId: id };
  return store.readRun(key).catch(() => null);
}

/** A file of the artifacts folder as a path inside it, and as a URL under --report-url. */
function placeOf(artifactsDir: string, file: string, base: string | undefined) {
  const rel = path.relative(artifactsDir, file).split(path.sep).join('/');
  const url = base ? `${base.replace(/\/+$/, '')}/${rel.split('/').map(encodeURIComponent).join('/')}` : null;
  return { rel, url };
}

async function commentRun(
  store: LocalStore,
  artifactsDir: string,
  key: RunKey,
  flags: PrCommentFlags,
): Promise<PrCommentRun> {
  const record = await store.readRun(key);
  const baseline = await baselineOf(store, record);
  const runDir = store.runDir(key);
  const report = placeOf(artifactsDir, path.join(runDir, REPORT_FILE), flags.reportUrl);
  const hasReport = await store.exists({ run: key, name: REPORT_FILE });
  const samples = commentSamples(record, baseline, flags.top).map((r) => r.sample);
  const made = await posterFiles(runDir, record, samples);
  for (const w of made.warnings) warn(w);
  const posters = new Map<string, PosterLink>();
  for (const [id, file] of made.posters) {
    const where = placeOf(artifactsDir, path.join(runDir, ...file.split('/')), flags.reportUrl);
    posters.set(id, {
      ...(where.url ? { image: where.url } : {}),
      ...(flags.artifactUrl ? { link: { url: flags.artifactUrl, file: where.rel } } : {}),
    });
  }
  return {
    record,
    baseline,
    report: hasReport ? (report.url ? { url: report.url } : { path: report.rel }) : null,
    posters,
  };
}

function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  if (!server || !repo || !id || !/^https?:\/\//.test(server)) return undefined;
  return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${encodeURIComponent(id)}`;
}

/** `temporalci pr-comment`: find the runs, word the comment, post it or update the one already there. */
export async function prCommentCommand(flags: PrCommentFlags): Promise<void> {
  const target = flags.dryRun ? null : await pullRequestContext(process.env);
  if (target !== null && 'skip' in target) {
    out(`pr-comment: skipped, ${target.skip}`);
    return;
  }
  const artifactsDir = path.resolve(flags.artifactsDir);
  const store = openLocalStore(artifactsDir);
  const runs: PrCommentRun[] = [];
  if (flags.results === undefined) {
    for (const key of await selectRuns(store, artifactsDir, flags))
      runs.push(await commentRun(store, artifactsDir, key, flags));
  } else {
    // A run also kept locally gets its report and poster frames; a fleet run, links into the fleet store.
    for (const rec of await readResults(flags.results)) {
      const local = await store.readRun(keyOf(rec)).then(
        () => true,
        () => false,
      );
      runs.push(
        local
          ? await commentRun(store, artifactsDir, keyOf(rec), flags)
          : fleetRun(rec, flags.reportUrl, flags.top),
      );
    }
  }
  if (runs.length === 0) {
    throw new TemporalCIError(
      'RUN_NOT_FOUND',
      `no run to comment on in ${flags.results ?? flags.artifactsDir}`,
      {
        hint: flags.runId.length
          ? 'check the --run-id values against `temporalci history`'
          : 'run the suite first with the same --artifacts-dir (and a --since before its start)',
      },
    );
  }
  const commentKey = flags.key ?? defaultCommentKey(runs);
  const body = prCommentMarkdown({
    runs,
    key: commentKey,
    artifactUrl: flags.artifactUrl,
    viewerUrl: flags.viewerUrl,
    workflowRunUrl: workflowRunUrl(process.env),
    maxSamples: flags.top ?? DEFAULT_COMMENT_SAMPLES,
  });
  if (target === null) {
    out(body);
    return;
  }
  const done = await upsertComment(target.context, prCommentMarker(commentKey), body);
  out(
    `pr-comment: ${done.action} comment ${done.url ?? `#${done.id}`} on pull request #${target.context.number}`,
  );
}
