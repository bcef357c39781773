import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { isRunIdSafe } from './model-folder.js';
import { safeSegment } from './paths.js';
import { STORE_FILES } from './run-files.js';
import type { ArtifactKey, RunKey } from './types.js';

/**
 * Artifact names, shared by every ArtifactStore so that they accept and refuse the same names: a relative,
 * `/`-separated path inside its run (`videos/s1.mp4`), never the run folder itself, never one of the run's
 * own record files (run.json, state.json, samples.jsonl, run.lock), never escaping the run.
 */
export function artifactName(name: string): string {
  const slashed = name.replaceAll('\\', '/');
  const normal = path.posix.normalize(slashed);
  if (
    name.trim() === '' ||
    // An empty segment (`videos//x`) is not a name a run makes; refused so that every store (a folder, a
    // map, an S3 key space where `a//b` and `a/b` are two objects) reads the same name the same way.
    /\/\/./.test(slashed) ||
    normal === '.' ||
    normal.startsWith('../') ||
    normal === '..' ||
    path.posix.isAbsolute(normal)
  ) {
    throw new TemporalCIError('PATH_UNSAFE', `artifact name "${name}" is not a file inside its run`, {
      hint: 'artifact names are relative paths such as videos/<sample>.mp4',
    });
  }
  const trimmed = normal.replace(/\/+$/, '');
  if (STORE_FILES.has(trimmed)) {
    throw new TemporalCIError('PATH_UNSAFE', `artifact name "${name}" is one of the run's own records`, {
      hint: 'write records through the RunStore (commitRun, writeState, appendSample)',
    });
  }
  return trimmed;
}

/** The prefix form of a name for removePrefix: may end with "/" (a folder), must not be empty. */
export function artifactPrefix(prefix: string): { dir: string; start: string } {
  const folder = prefix.endsWith('/');
  const name = artifactName(prefix);
  if (folder) return { dir: name, start: '' };
  const dir = path.posix.dirname(name);
  return { dir: dir === '.' ? '' : dir, start: path.posix.basename(name) };
}

/** `<project>/<suite>/<model>/<run id>/<name>`: the artifact's place in any store's namespace. */
export function logicalPath(key: ArtifactKey): string {
  return [...runSegments(key.run), artifactName(key.name)].join('/');
}

/** The run's place as four segments, each checked as LocalStore checks its folder names. */
export function runSegments(run: RunKey): string[] {
  if (!isRunIdSafe(run.runId)) {
    throw new TemporalCIError('PATH_UNSAFE', `run id "${run.runId}" cannot be used as a folder name`, {
      hint: 'pick a run id from `temporalci history --model-root ...`',
    });
  }
  return [
    safeSegment(run.project, 'project'),
    safeSegment(run.suite, 'suite_name'),
    safeSegment(run.model, 'model name'),
    run.runId,
  ];
}

/** How a page stored at `from` links to `to`: a relative URL with each segment percent-encoded. */
export function relativeUrl(fromPath: string, toPath: string): string {
  const rel = path.posix.relative(path.posix.dirname(fromPath), toPath);
  return rel.split('/').map(encodeURIComponent).join('/');
}
