import { TemporalCIError } from '../../errors.js';
import { artifactName, artifactPrefix, runSegments } from '../artifact-names.js';
import type { ArtifactKey, RunKey } from '../types.js';

/**
 * Object keys of the fleet bucket: `[<prefix>/]runs/<project>/<suite>/<model>/<run id>/<name>`, the local
 * artifacts folder's layout under `runs/`, and `[<prefix>/]bundles/<sha256>.tar.gz` for suite bundles.
 * Every segment goes through the rules LocalStore uses (safeSegment, the run id pattern, artifactName), so
 * a name from a suite that could not be a folder on disk cannot be a key either, and no key of one run
 * starts with another run's prefix.
 */

export function runPrefix(prefix: string | undefined, run: RunKey): string {
  return `${withPrefix(prefix, ['runs', ...runSegments(run)].join('/'))}/`;
}

export function objectKey(prefix: string | undefined, key: ArtifactKey): string {
  return runPrefix(prefix, key.run) + artifactName(key.name);
}

/** The key prefix `removePrefix(run, p)` deletes: a folder (`work/`) or a name start (`work/s1-`). */
export function listPrefix(prefix: string | undefined, run: RunKey, p: string): string {
  const { dir, start } = artifactPrefix(p);
  return runPrefix(prefix, run) + (dir === '' ? start : `${dir}/${start}`);
}

const SHA256 = /^[0-9a-f]{64}$/;

export function bundleKey(prefix: string | undefined, sha256: string): string {
  if (!SHA256.test(sha256)) {
    throw new TemporalCIError('PATH_UNSAFE', `"${sha256}" is not a sha256 digest`, {
      hint: 'bundles are addressed by the lower-case hex sha256 of their bytes',
    });
  }
  return withPrefix(prefix, `bundles/${sha256}.tar.gz`);
}

function withPrefix(prefix: string | undefined, key: string): string {
  return prefix === undefined ? key : `${prefix}/${key}`;
}
