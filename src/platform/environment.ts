import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The version in our own package.json (read once). */
export const TEMPORALCI_VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
})();

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 5000 });
    return stdout.trim();
  } catch {
    return null; // not a git checkout, or git absent: provenance is optional
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
