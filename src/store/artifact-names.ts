import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { STORE_FILES } from './run-files.js';
import type { ArtifactKey, RunKey } from './types.js';

/**
 * Artifact names, shared by every ArtifactStore so that they accept and refuse the same names: a relative,
 * `/`-separated path inside its run (`videos/s1.mp4`), never the run folder itself, never one of the run's
 * own record files (run.json, state.json, samples.jsonl, run.lock), never escaping the run.
 */
export function artifactName(name: string): string {
  const normal = path.posix.normalize(name.replaceAll('\\', '/'));
  if (
    name.trim() === '' ||
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

function runSegments(run: RunKey): string[] {
  return [run.project, run.suite, run.model, run.runId];
}

/** How a page stored at `from` links to `to`: a relative URL with each segment percent-encoded. */
export function relativeUrl(fromPath: string, toPath: string): string {
  const rel = path.posix.relative(path.posix.dirname(fromPath), toPath);
  return rel.split('/').map(encodeURIComponent).join('/');
}
