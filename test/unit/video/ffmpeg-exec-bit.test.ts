import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg, runnableNpmBinary } from '../../../src/video/ffmpeg.js';
import { makeTempDir, removeDir } from './helpers.js';

/**
 * The npm ffprobe fallback as npm 11 (install scripts not in allowScripts) or `--ignore-scripts` leaves it:
 * the binary is there but its postinstall `chmod u+x` never ran. A real ffprobe copied without its execute
 * bit stands in for it.
 */
let dir: string;
let source: string;
beforeAll(async () => {
  dir = await makeTempDir();
  source = await realpath((await locateFfmpeg()).ffprobe);
});
afterAll(async () => {
  await removeDir(dir);
});

const versionOf = (bin: string) =>
  /^ffprobe version (\S+)/.exec(execFileSync(bin, ['-version'], { encoding: 'utf8' }))?.[1];

async function copyWithoutExecBit(folder: string): Promise<string> {
  const file = join(folder, 'ffprobe');
  await copyFile(source, file);
  await chmod(file, 0o644);
  return file;
}

function tryMount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the npm ffmpeg/ffprobe fallback without its execute bit', () => {
  it('gets the bit at first use (as chmod +x does) and runs', async () => {
    const file = await copyWithoutExecBit(dir);
    const found = await runnableNpmBinary('ffprobe', file);
    expect(found).toEqual({ path: file, source: 'npm', version: versionOf(source) });
    expect((await stat(file)).mode & 0o777).toBe(0o755);
  });

  it('says exactly what to run when the bit cannot be set (a read-only node_modules)', async (ctx) => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    if (!tryMount(['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', ro]))
      return ctx.skip('needs root where `mount -t tmpfs` works, to make a read-only folder');
    try {
      const file = await copyWithoutExecBit(ro);
      expect(tryMount(['-o', 'remount,ro', ro])).toBe(true);
      const err = await runnableNpmBinary('ffprobe', file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'FFMPEG_MISSING',
        message: expect.stringContaining(`${file} is not executable: its install script did not run`),
        hint: expect.stringContaining(`run \`chmod +x ${file}\``),
      });
      expect((err as Error).message).toContain('EROFS');
      expect((await stat(file)).mode & 0o777).toBe(0o644);
    } finally {
      execFileSync('umount', [ro], { stdio: 'ignore' });
    }
  });
});
