import { describe, expect, it } from 'vitest';
import { adapterNames, findBuiltinAdapter, loadBuiltinAdapter } from '../../../src/adapters/registry.js';
import { findMetric, loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';

/**
 * `validate` reads the registries' metadata; a run reads the implementations. Each implementation spreads
 * its metadata, so both must hold the very same schema and path functions: what validate accepts is what
 * run parses.
 */
describe('registry metadata and implementations', () => {
  it('every metric implementation carries its own metadata objects', async () => {
    for (const name of metricNames()) {
      const meta = findMetric(name)!;
      const def = await loadMetric(name);
      for (const [key, value] of Object.entries(meta)) {
        expect((def as unknown as Record<string, unknown>)[key]).toBe(value);
      }
      expect(typeof def.create).toBe('function');
      expect(loadedMetric(name)).toBe(def);
      expect(await loadMetric(name.toUpperCase())).toBe(def);
    }
  });

  it('every built-in adapter carries its own metadata objects', async () => {
    for (const name of adapterNames()) {
      const meta = findBuiltinAdapter(name)!;
      const def = (await loadBuiltinAdapter(name))!;
      expect(def.name).toBe(name);
      expect(def.params).toBe(meta.params);
      expect(def.description).toBe(meta.description);
      expect(typeof def.create).toBe('function');
    }
  });

  it('an unknown metric is a clear error at load time', async () => {
    await expect(loadMetric('ssmi')).rejects.toMatchObject({ code: 'METRIC_UNKNOWN' });
    expect(findMetric('ssmi')).toBeUndefined();
    expect(await loadBuiltinAdapter('mokc')).toBeUndefined();
  });
});
