import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { isSafeName, MAX_NAME_LENGTH } from '../schema/limits.js';

/**
 * Names from a suite (project, suite, model, test) become folder names. They are checked here, once, so that
 * no name can make a path escape the artifacts folder: no separators, no "..", no leading dot.
 */
export function safeSegment(name: string, what: string): string {
  if (!isSafeName(name)) {
    throw new TemporalCIError('PATH_UNSAFE', `${what} "${name}" cannot be used as a folder name`, {
      hint: `use at most ${MAX_NAME_LENGTH} letters, digits, ".", "_" and "-", starting with a letter or digit, without ".."`,
    });
  }
  return name;
}

/** Joins under a root and proves the result stays inside it. */
export function within(root: string, ...segments: string[]): string {
  const absRoot = path.resolve(root);
  const target = path.resolve(absRoot, ...segments);
  if (target !== absRoot && !target.startsWith(absRoot + path.sep)) {
    throw new TemporalCIError('PATH_UNSAFE', `path "${segments.join('/')}" escapes ${absRoot}`, {
      hint: 'names in the suite must not contain path separators or ".."',
    });
  }
  return target;
}

export function modelRoot(artifactsDir: string, project: string, suite: string, model: string): string {
  return within(
    artifactsDir,
    safeSegment(project, 'project'),
    safeSegment(suite, 'suite_name'),
    safeSegment(model, 'model name'),
  );
}

/** `20261122T071302145Z-3f9a`: sortable by time, unique across concurrent runs. */
export function newRunId(now: Date, random: string): string {
  const iso = now.toISOString(); // 2026-11-22T07:13:02.145Z
  return `${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 19).replace(/:/g, '')}${iso.slice(20, 23)}Z-${random}`;
}
