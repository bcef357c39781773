import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSoakConfig } from '../../src/soak/config.js';
import { SOAK_SCHEMA_ID, soakJsonSchema, soakJsonSchemaFile } from '../../src/soak/json-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const validate = new Ajv2020({ strictSchema: true, strictTypes: false, allErrors: true }).compile(
  soakJsonSchema(),
);

/** Whether `temporalci soak` itself accepts the config (it throws a CONFIG_INVALID listing every problem). */
function soakAccepts(yaml: string): boolean {
  try {
    parseSoakConfig('/tmp/soak.yaml', yaml);
    return true;
  } catch {
    return false;
  }
}

const job = (lines: string) => `version: 1\njobs:\n  - suite: s.yaml\n${lines}`;

describe('soak.yaml JSON Schema', () => {
  it('is shipped as soak.schema.json exactly as the code generates it (run `npm run docs`)', () => {
    expect(readFileSync(path.join(ROOT, 'soak.schema.json'), 'utf8')).toBe(soakJsonSchemaFile());
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string>;
      files: string[];
    };
    expect(pkg.exports['./soak.schema.json']).toBe('./soak.schema.json');
    expect(pkg.files).toContain('soak.schema.json');
    expect(soakJsonSchema().$id).toBe(SOAK_SCHEMA_ID);
  });

  // Configs the schema can judge on its own (no interval or cron syntax): editor and supervisor agree.
  const cases: [string, string, boolean][] = [
    ['the smallest config', job('    every: 2s\n'), true],
    [
      'a cron job with notify',
      `${job('    cron: "30 1 * * *"\n    expect: fail\n')}notify:\n  url: https://h/x\n`,
      true,
    ],
    ['every and cron together', job('    every: 2s\n    cron: "* * * * *"\n'), false],
    ['no schedule', job('    expect: pass\n'), false],
    ['an unknown job key', job('    every: 2s\n    evry: 3s\n'), false],
    ['an unknown top-level key', `${job('    every: 2s\n')}artifact_dir: x\n`, false],
    ['no jobs', 'version: 1\njobs: []\n', false],
    ['version 2', job('    every: 2s\n').replace('version: 1', 'version: 2'), false],
    ['expect: maybe', job('    every: 2s\n    expect: maybe\n'), false],
    ['max_cycles: 0', job('    every: 2s\n    max_cycles: 0\n'), false],
  ];
  for (const [what, yaml, ok] of cases) {
    it(`${ok ? 'accepts' : 'refuses'} ${what}, as the supervisor does`, () => {
      expect(validate(parse(yaml)), JSON.stringify(validate.errors)).toBe(ok);
      expect(soakAccepts(yaml)).toBe(ok);
    });
  }
});
