import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { SuiteIssue } from '../../../src/errors.js';
import { validateSuiteBytes } from '../../../src/suite/load.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

/**
 * Whatever the document, validation returns issues (never throws), each pointing at a real position, and
 * a suite comes back exactly when there are no issues.
 */

const example = fileURLToPath(new URL('../../../examples/regression_sprt.yaml', import.meta.url));

function assertWellFormed(r: { suite?: unknown; issues: SuiteIssue[] }): void {
  expect(r.suite === undefined).toBe(r.issues.length > 0);
  for (const i of r.issues) {
    expect(Number.isInteger(i.line) && i.line >= 1).toBe(true);
    expect(Number.isInteger(i.col) && i.col >= 1).toBe(true);
    expect(i.path.length).toBeGreaterThan(0);
    expect(i.message.length).toBeGreaterThan(0);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a node of a plain-data tree. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(v)) {
    for (const [i, c] of v.entries()) out.push(...paths(c, [...prefix, i]));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...prefix, k]));
  }
  return out;
}

type Mutation = { kind: 'delete' | 'rename' | 'replace'; at: number; value: Json; suffix: string };

function mutate(doc: Json, m: Mutation): Json {
  const copy = structuredClone(doc);
  const all = paths(copy);
  const target = all[m.at % all.length]!;
  let parent: Json = copy;
  for (const seg of target.slice(0, -1)) parent = (parent as Record<string | number, Json>)[seg]!;
  const key = target[target.length - 1]!;
  const container = parent as Record<string | number, Json>;
  if (m.kind === 'replace') container[key] = m.value;
  else if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else {
    const old = container[key]!;
    delete container[key];
    if (m.kind === 'rename') container[`${String(key)}${m.suffix}`] = old;
  }
  return copy;
}

describe('validateSuite on arbitrary input', async () => {
  const dir = await tempTree({});
  const file = path.join(dir, 'fuzz.yaml');
  const run = (text: string | Uint8Array) =>
    validateSuiteBytes(file, typeof text === 'string' ? Buffer.from(text) : text, testRegistries);

  it('arbitrary YAML documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (value) => {
        assertWellFormed(await run(stringify(value) ?? ''));
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary strings and bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 200 })),
        async (v) => {
          assertWellFormed(await run(v));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('mutations of a valid suite', async () => {
    const base = parse(await readFile(example, 'utf8')) as Json;
    assertWellFormed(await run(stringify(base)));
    const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
    const mutation = fc.record({
      kind: fc.constantFrom('delete', 'rename', 'replace'),
      at: fc.nat(),
      value: json,
      suffix: fc.string({ minLength: 1, maxLength: 3 }),
    }) as fc.Arbitrary<Mutation>;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
        const doc = ms.reduce((d, m) => mutate(d, m), base);
        assertWellFormed(await run(stringify(doc) ?? ''));
      }),
      { numRuns: 200 },
    );
  });
});
