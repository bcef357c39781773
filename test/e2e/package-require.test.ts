import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../support/cli.js';

const run = promisify(execFile);

/**
 * The package as a consumer resolves it by name from its own node_modules: an ES module importer and a
 * CommonJS `require()` (Node 20.19+ loads ES modules synchronously) both get the public API.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-consumer-');
  await fs.mkdir(path.join(dir, 'node_modules'));
  await fs.symlink(REPO_ROOT, path.join(dir, 'node_modules', 'temporalci'), 'dir');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function consumer(file: string, code: string): Promise<string> {
  await fs.writeFile(path.join(dir, file), code);
  const { stdout } = await run(process.execPath, [file], { cwd: dir });
  return stdout.trim();
}

describe('the package entry point', () => {
  it('is required by a CommonJS consumer', async () => {
    const out = await consumer(
      'consumer.cjs',
      "const t = require('temporalci'); console.log(typeof t.runSuite, typeof t.LocalStore, typeof t.loadSuite);",
    );
    expect(out).toBe('function function function');
  });

  it('is imported by an ES module consumer', async () => {
    const out = await consumer(
      'consumer.mjs',
      "import { runSuite, validateSuite } from 'temporalci'; console.log(typeof runSuite, typeof validateSuite);",
    );
    expect(out).toBe('function function');
  });

  it('ships its source maps with their sources', async () => {
    const map = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'dist', 'index.js.map'), 'utf8')) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0]).toContain('export');
  });
});
