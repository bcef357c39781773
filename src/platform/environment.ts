import { isTemporalCIError } from '../errors.js';
import { runProcess } from '../platform/process.js';

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const r = await runProcess('git', args, { cwd, signal: AbortSignal.timeout(5000) });
    // Not a git checkout (exit 128): provenance is optional.
    return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
  } catch (e) {
    // git absent, or too slow (a network filesystem): provenance is optional, the run goes on without it.
    if (isTemporalCIError(e)) return null;
    throw e;
  }
}

/** Commit and branch of the repository holding the suite (not of the current directory). */
export async function gitInfo(
  dir: string,
): Promise<{ commit: string; branch: string | null; dirty: boolean } | null> {
  const commit = await git(dir, ['rev-parse', 'HEAD']);
  if (!commit) return null;
  const branch = await git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, branch: branch && branch !== 'HEAD' ? branch : null, dirty: Boolean(status) };
}
