import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { adapterNames } from '../../../src/adapters/registry.js';
import { metricNames } from '../../../src/metrics/registry.js';
import {
  defaultGatePaths,
  SUITE_SCHEMA_ID,
  schemaReference,
  suiteJsonSchema,
  suiteJsonSchemaFile,
} from '../../../src/suite/json-schema.js';
import { tempDir } from '../../support/cli.js';

// biome-ignore lint/suspicious/noExplicitAny: walking a generated JSON document
type Json = Record<string, any>;
const ROOT = path.resolve(import.meta.dirname, '../../..');

/** A standard validator, as an editor would apply the shipped file (formats are not checked by editors either). */
function validator(schema: Json) {
  const ajv = new Ajv2020({
    strictSchema: true,
    strictTypes: false,
    allErrors: true,
    validateFormats: false,
  });
  return ajv.compile(schema);
}

const minimal = (over: Json = {}): Json => ({
  version: 1,
  project: 'p',
  suite_name: 's',
  models: [{ name: 'm', adapter: 'mock' }],
  tests: [{ id: 't', prompts: ['a ball'] }],
  metrics: [{ name: 'ssim' }],
  gates: [{ metric: 'ssim.mean', op: '>=', value: 0.5 }],
  ...over,
});

describe('suite JSON Schema', () => {
  const schema = suiteJsonSchema() as Json;
  const validate = validator(schema);

  it('names itself and makes defaulted keys optional', () => {
    expect(schema.$id).toBe(SUITE_SCHEMA_ID);
    expect(schema.title).toBe('TemporalCI suite');
    expect(schema.required).toEqual([
      'version',
      'project',
      'suite_name',
      'models',
      'tests',
      'metrics',
      'gates',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('is shipped as schema.json exactly as the code generates it (run `npm run docs`)', () => {
    expect(readFileSync(path.join(ROOT, 'schema.json'), 'utf8')).toBe(suiteJsonSchemaFile());
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json;
    expect(pkg.exports['./schema.json']).toBe('./schema.json');
    expect(pkg.files).toContain('schema.json');
  });

  it('lists the adapter, metric, gate path and preset names', () => {
    const model = schema.properties.models.items;
    expect(model.properties.adapter.anyOf[0].enum).toEqual(adapterNames());
    expect(schema.properties.metrics.items.properties.name.enum).toEqual(metricNames());
    const [gate, preset] = schema.properties.gates.items.anyOf;
    expect(gate.properties.metric.anyOf[0].enum).toEqual(defaultGatePaths());
    expect(defaultGatePaths()).toEqual(
      expect.arrayContaining(['vbench_temporal.score', 'ssim.mean', 'freeze_ratio.ratio']),
    );
    expect(preset.properties.preset.enum).toEqual(['video_regression', 'video_regression@1']);
  });

  it("gives each adapter's and metric's params, for completion", () => {
    const byName = (branches: Json[], key: string) =>
      Object.fromEntries(
        branches.map((b) => [b.if.properties[key].const, b.then.properties.params.anyOf[0]]),
      );
    const adapters = byName(schema.properties.models.items.allOf, 'adapter');
    expect(Object.keys(adapters).sort()).toEqual(adapterNames());
    expect(adapters.http.required).toContain('endpoint');
    expect(adapters.command.required).toContain('argv');
    const metrics = byName(schema.properties.metrics.items.allOf, 'name');
    expect(Object.keys(metrics).sort()).toEqual(metricNames());
    expect(metrics.ssim.properties.mode.enum).toEqual(['consecutive', 'reference']);
    expect(metrics.vbench_temporal.properties.dims.items.enum).toContain('temporal_flicker');
  });

  it('accepts every example suite', async () => {
    const dir = path.join(ROOT, 'examples');
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const ok = validate(parse(await fs.readFile(path.join(dir, f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it.each([
    ['an unknown adapter', { models: [{ name: 'm', adapter: 'mokc' }] }, '/models/0/adapter'],
    [
      'an unknown adapter param',
      { models: [{ name: 'm', adapter: 'mock', params: { nois: 1 } }] },
      '/models/0/params',
    ],
    [
      'an http model without endpoint',
      { models: [{ name: 'm', adapter: 'http', params: {} }] },
      '/models/0/params',
    ],
    ['an unknown metric', { metrics: [{ name: 'ssim2' }] }, '/metrics/0/name'],
    ['a bad metric param', { metrics: [{ name: 'ssim', params: { mode: 'x' } }] }, '/metrics/0/params/mode'],
    ['a path under no metric', { gates: [{ metric: 'nope.mean', op: '>=', value: 1 }] }, '/gates/0/metric'],
    [
      'a threshold param on sprt_regression',
      {
        gates: [
          {
            metric: 'ssim.mean',
            op: '>=',
            value: 1,
            method: 'sprt_regression',
            params: { min_relative_change: 1 },
          },
        ],
      },
      '/gates/0/params',
    ],
    [
      'an unknown threshold param (method defaulted)',
      { gates: [{ metric: 'ssim.mean', op: '>=', value: 1, params: { confidence: 0.9 } }] },
      '/gates/0/params',
    ],
    ['an unknown preset', { gates: [{ preset: 'video_regresion' }] }, '/gates/0/preset'],
  ])('rejects %s', (_what, over, at) => {
    expect(validate(minimal())).toBe(true);
    expect(validate(minimal(over))).toBe(false);
    expect(validate.errors?.map((e: { instancePath: string }) => e.instancePath)).toContain(at);
  });

  it('accepts module-path adapters, null params and the other gate methods', () => {
    const suite = minimal({
      models: [
        { name: 'a', adapter: './my-adapter.js', params: { anything: 1 } },
        { name: 'b', adapter: 'mock', params: null },
      ],
      gates: [
        { metric: 'ssim.mean', op: '>=', value: 0.5, method: 'sprt_regression', params: { alpha: 0.1 } },
        { preset: 'video_regression@1' },
      ],
    });
    expect(validate(suite), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('schemaReference (the $schema line of `init`)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('tci-schema-ref-');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('points at where `npm install temporalci` in the working directory puts it', () => {
    expect(schemaReference('temporalci.yaml', dir)).toBe('./node_modules/temporalci/schema.json');
    expect(schemaReference('suites/ci/smoke.yaml', dir)).toBe('../../node_modules/temporalci/schema.json');
  });

  it('prefers the nearest installed package above the suite', async () => {
    const project = path.join(dir, 'project');
    await fs.mkdir(path.join(project, 'node_modules', 'temporalci'), { recursive: true });
    await fs.writeFile(path.join(project, 'node_modules', 'temporalci', 'schema.json'), '{}');
    await fs.mkdir(path.join(project, 'suites'));
    expect(schemaReference(path.join(project, 'suites', 'a.yaml'), dir)).toBe(
      '../node_modules/temporalci/schema.json',
    );
  });

  it("uses this checkout's own file for a suite inside it", () => {
    expect(schemaReference('examples/x.yaml', ROOT)).toBe('../schema.json');
  });
});
