import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GATE_METHODS, gateMethod, isSequentialGate } from '../../../src/gates/registry.js';
import {
  aggregateNeedsPerSample,
  minFailuresWithinWindow,
  orderingNeedsNumber,
  SHARED_GATE_RULES,
  statisticalNeedsDirectionalOp,
  statisticalNeedsPerSample,
} from '../../../src/gates/rules.js';
import { GATE_METHOD_NAMES, gateSchema } from '../../../src/schema/suite.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]),
    ),
  );
  return nested.flat().filter((f) => f.endsWith('.ts'));
}

const gate = (g: Record<string, unknown>) => gateSchema.parse({ metric: 'm.score', value: 0, ...g });

describe('GATE_METHODS', () => {
  it('has one entry per method of the suite schema, each with its params schema and description', () => {
    expect(Object.keys(GATE_METHODS).sort()).toEqual([...GATE_METHOD_NAMES].sort());
    for (const name of GATE_METHOD_NAMES) {
      const def = GATE_METHODS[name];
      expect(def.description.length).toBeGreaterThan(20);
      // A gate with no `params:` is valid for every method: the defaults fill it in.
      expect(def.params.safeParse({}).success).toBe(true);
    }
  });

  it('says which methods decide during generation, and is safe on unknown methods from newer records', () => {
    expect(GATE_METHOD_NAMES.filter((m) => isSequentialGate({ method: m }))).toEqual(['sprt_regression']);
    expect(isSequentialGate({ method: 'from_a_newer_version' })).toBe(false);
  });

  it('says why a gate needs the full sample set', () => {
    const perSample = (p: string) => p === 'm.score';
    const reason = (g: Record<string, unknown>) => gateMethod(gate(g)).fullSetReason(gate(g), perSample);
    expect(reason({ op: '>=', method: 'sprt_regression' })).toBeNull();
    expect(reason({ op: '>=', method: 'threshold' })).toBeNull();
    expect(reason({ op: '>=', method: 'threshold', metric: 'm.count' })).toMatch(/run-level/);
    expect(reason({ op: '>=', method: 'paired_test' })).toMatch(/fixed-sample/);
  });

  it('gives the statistical methods their pairing rules and threshold none', () => {
    expect(GATE_METHODS.threshold.rules).toEqual([]);
    for (const m of ['sprt_regression', 'paired_test'] as const) {
      expect(GATE_METHODS[m].rules).toEqual([statisticalNeedsDirectionalOp, statisticalNeedsPerSample]);
    }
    expect(SHARED_GATE_RULES).toContain(aggregateNeedsPerSample);
  });

  it('rules point at the key to fix', () => {
    const eq = gate({ op: '==', method: 'paired_test' });
    expect(statisticalNeedsDirectionalOp({ gate: eq, perSample: true })?.key).toBe('op');
    expect(statisticalNeedsPerSample({ gate: eq, perSample: false })?.key).toBe('metric');
    expect(statisticalNeedsPerSample({ gate: eq, perSample: undefined })).toBeNull();
    const windowed = gate({ op: '>=', window: 0, min_failures: 2 });
    expect(minFailuresWithinWindow({ gate: windowed, perSample: true })).toMatchObject({
      key: 'min_failures',
      hint: 'min_failures only applies with `window:` > 0',
    });
    expect(orderingNeedsNumber({ gate: gate({ op: '>=', value: '0.5' }), perSample: true })).toMatchObject({
      key: 'value',
      hint: 'remove the quotes around the number',
    });
  });

  it('is the only place in src that compares gate methods by name', async () => {
    const hits: string[] = [];
    // A comparison with a gate method's name (`method === 'threshold'`), not with an HTTP method's.
    const byName = new RegExp(`method [!=]== '(${Object.keys(GATE_METHODS).join('|')})'`);
    for (const file of await sourceFiles(SRC)) {
      const text = await fs.readFile(file, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (byName.test(line)) hits.push(`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits.filter((h) => !h.startsWith('gates/registry.ts'))).toEqual([]);
  });
});
