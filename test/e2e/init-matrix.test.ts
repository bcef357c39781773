import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { adapterNames } from '../../src/adapters/registry.js';
import { metricNames } from '../../src/metrics/registry.js';
import { hasStackTrace, REPO_ROOT, runCli, tempDir } from '../support/cli.js';

/** The shipped schema.json, as an editor applies it through the suite's yaml-language-server line. */
const schema = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'schema.json'), 'utf8')) as object;
const matchesSchema = new Ajv2020({ strictSchema: true, strictTypes: false, validateFormats: false }).compile(
  schema,
);

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
    // Written to a folder with no node_modules: the line points where `npm install` in the cwd puts it.
    const expected = path.relative(dir, path.join(REPO_ROOT, 'node_modules/temporalci/schema.json'));
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${expected.split(path.sep).join('/')}`);
    expect(matchesSchema(parse(text)), JSON.stringify(matchesSchema.errors)).toBe(true);
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
