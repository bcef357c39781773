import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterNames } from '../../src/adapters/registry.js';
import { metricNames } from '../../src/metrics/registry.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * `init` for every adapter and every metric writes a suite `validate` accepts: placeholders are marked
 * values, not missing keys. Each adapter is paired with metrics in turn so every metric appears once.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-init-matrix-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const adapters = adapterNames();
const metrics = metricNames();
const cases = metrics.map((metric, i) => [adapters[i % adapters.length]!, metric] as const);

describe('temporalci init', () => {
  it.each(cases)('--adapter %s --metric %s writes a suite that validates', async (adapter, metric) => {
    const file = path.join(dir, `${adapter}-${metric}.yaml`);
    const init = await runCli(['init', '--adapter', adapter, '--metric', metric, '--output', file]);
    expect(init.code, init.stderr).toBe(0);
    const text = await fs.readFile(file, 'utf8');
    if (adapter !== 'mock') expect(text).toContain('PLACEHOLDER');
    const v = await runCli(['validate', file]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it.each([
    ['--adapter', 'htpp', 'unknown adapter "htpp" (did you mean http?)'],
    ['--metric', 'sharpnes', 'unknown metric "sharpnes" (did you mean sharpness?)'],
  ])('refuses %s %s with a did-you-mean and writes nothing', async (flag, value, message) => {
    const file = path.join(dir, `bad-${value}.yaml`);
    const r = await runCli(['init', flag, value, '--output', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    await expect(fs.access(file)).rejects.toThrow();
  });
});
