import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isTemporalCIError } from '../errors.js';
import { artifactName } from '../store/artifact-names.js';
import type { ArtifactStore, RunKey } from '../store/types.js';

/**
 * Which file a `/files/<project>/<suite>/<model>/<run>/<name…>` URL may serve. Every part of the URL is a
 * hostile string: each segment is decoded once and checked as the store checks its own names (no "..", no
 * separators, no absolute paths), the file must be a media file of the run, and its real path (symlinks
 * followed) must still be inside the artifacts folder. Anything else is null: the caller answers 404.
 */

const MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
};

export interface ArtifactRequest {
  key: { run: RunKey; name: string };
  contentType: string;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed %-escape
  }
}

/** The artifact a URL path below /files/ names, or null when it names nothing a run could hold. */
export function parseArtifactPath(rest: string): ArtifactRequest | null {
  const raw = rest.split('/');
  if (raw.length < 5) return null;
  const parts = raw.map(decode);
  if (parts.some((p) => p === null || p === '' || p === '.' || p === '..' || /[\\/\0]/.test(p))) return null;
  const [project, suite, model, runId, ...name] = parts as string[];
  const joined = name.join('/');
  let checked: string;
  try {
    checked = artifactName(joined);
  } catch (e) {
    if (isTemporalCIError(e)) return null;
    throw e;
  }
  const contentType = MEDIA_TYPES[path.posix.extname(checked).toLowerCase()];
  if (contentType === undefined) return null;
  return { key: { run: { project, suite, model, runId } as RunKey, name: checked }, contentType };
}

/** True when `file` is `root` or below it (both absolute and already resolved). */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface LocalFile {
  path: string;
  size: number;
}

/**
 * The local file of an artifact, proven to be a regular file inside `rootReal` (the artifacts folder's
 * real path) after following symlinks; null when it is missing, elsewhere or not a file.
 */
export async function localArtifact(
  store: Pick<ArtifactStore, 'localPath'>,
  rootReal: string,
  req: ArtifactRequest,
): Promise<LocalFile | null> {
  let candidate: string | null;
  try {
    candidate = store.localPath(req.key);
  } catch (e) {
    if (isTemporalCIError(e)) return null; // a name the store refuses (PATH_UNSAFE)
    throw e;
  }
  if (candidate === null) return null;
  const real = await fs.realpath(candidate).catch(() => null);
  if (real === null || !isInside(rootReal, real)) return null;
  const st = await fs.stat(real).catch(() => null);
  return st?.isFile() ? { path: real, size: st.size } : null;
}
