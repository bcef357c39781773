import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../src/video/ffmpeg.js';
import { REPO_ROOT, tempDir } from '../support/cli.js';

/**
 * The package as a user gets it: `npm pack` of this checkout (dist/ is built by `npm test`'s pretest), the
 * tarball installed into an empty project the lean way (`--omit=optional`), and the installed bin running
 * `init`, `validate` and `run` on the mock model. npm may only use the registry and its cache; when it cannot
 * reach either, the test is skipped and says why. Any other install failure fails the test.
 */

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm's own settings from the `npm test` that started us (npm_config_*, npm_package_*) must not leak in. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'))),
  CI: 'true',
  NO_COLOR: '1',
  ...extra,
});

function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve) => {
    // A bound, so a hung npm fails this test with its output instead of the vitest timeout.
    const opts = { cwd, env, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 };
    execFile(file, args, opts, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr: err !== null && code === -1 ? `${stderr}${err.message}` : stderr });
    });
  });
}

/** npm failures that mean "no registry here", not "the package is broken". */
const NO_REGISTRY =
  /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ERR_SOCKET_TIMEOUT|ENETUNREACH|spawn npm ENOENT/;

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-pack-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('installs from its tarball without optional deps and runs init, validate and run', async (ctx) => {
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files run the built CLI.
    const pack = await exec(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      REPO_ROOT,
      cleanEnv(),
    );
    if (NO_REGISTRY.test(pack.stderr))
      return ctx.skip(`npm is not usable here: ${pack.stderr.trim().split('\n')[0]}`);
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed?.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/cli/main.js', 'schema.json', 'package.json', 'README.md']),
    );
    const tarball = path.join(dir, packed!.filename);

    const app = path.join(dir, 'app');
    await fs.mkdir(app);
    await fs.writeFile(path.join(app, 'package.json'), '{"name": "app", "private": true}\n');
    const install = (cacheMode: string) =>
      exec(
        'npm',
        [
          'install',
          cacheMode,
          '--no-audit',
          '--no-fund',
          '--omit=optional',
          '--fetch-retries=0',
          '--fetch-timeout=30000',
          tarball,
        ],
        app,
        cleanEnv(),
      );
    // The cache alone first; a cache that lacks a package's metadata may fill it from the registry.
    let installed = await install('--offline');
    if (installed.code !== 0 && /ENOTCACHED/.test(installed.stderr))
      installed = await install('--prefer-offline');
    if (installed.code !== 0 && NO_REGISTRY.test(installed.stderr)) {
      const line = installed.stderr.split('\n').find((l) => NO_REGISTRY.test(l)) ?? '';
      return ctx.skip(`npm could not install the tarball (no registry or cache): ${line.trim()}`);
    }
    expect(installed.code, installed.stderr).toBe(0);
    expect(existsSync(path.join(app, 'node_modules', '@tensorflow'))).toBe(false);

    // The lean install has no npm ffmpeg: a machine without a system one points at the checkout's binaries.
    const ff = await locateFfmpeg();
    const env = cleanEnv(
      ff.source === 'system' ? {} : { TEMPORALCI_FFMPEG: ff.ffmpeg, TEMPORALCI_FFPROBE: ff.ffprobe },
    );
    const bin = path.join(app, 'node_modules', '.bin', 'temporalci');
    const init = await exec(bin, ['init'], app, env);
    expect(init.code, init.stderr).toBe(0);
    const suite = await fs.readFile(path.join(app, 'temporalci.yaml'), 'utf8');
    expect(suite.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./node_modules/temporalci/schema.json',
    );
    expect(existsSync(path.join(app, 'node_modules', 'temporalci', 'schema.json'))).toBe(true);

    const validate = await exec(bin, ['validate', 'temporalci.yaml'], app, env);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const run = await exec(bin, ['run', 'temporalci.yaml', '--baseline-mode', 'none'], app, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^PASS {2}my-project\/smoke\/my-model/m);
  }, 600_000);
});
