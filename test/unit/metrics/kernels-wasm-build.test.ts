import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/cli.js';

/**
 * The committed kernels.wasm is what `npm run build:wasm` makes from wasm/*.ts: a kernel edited without a
 * rebuild (or a rebuilt module nobody can reproduce) fails here rather than shipping stale machine code.
 */
describe('committed WebAssembly kernels', () => {
  it('are byte for byte what `npm run build:wasm` builds from wasm/', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const script = pkg.scripts['build:wasm'];
    expect(script).toMatch(/^asc /);
    const args = script!.split(/\s+/).slice(1);
    const out = args.indexOf('-o');
    expect(out).toBeGreaterThan(0);
    const committed = args[out + 1]!;
    const rebuilt = path.join(await tempDir('temporalci-wasm-'), 'kernels.wasm');
    args[out + 1] = rebuilt;
    execFileSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', ...args], { stdio: 'pipe' });
    expect(readFileSync(rebuilt).equals(readFileSync(committed))).toBe(true);
  }, 60_000);
});
