import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, TemporalCIError } from '../errors.js';
import type { ModelConfig } from '../schema/suite.js';
import { isModulePath, loadBuiltinAdapter, unknownAdapterError } from './registry.js';
import type { Adapter, AdapterDefinition } from './types.js';

function isAdapterDefinition(v: unknown): v is AdapterDefinition<Record<string, unknown>> {
  const d = v as Partial<AdapterDefinition> | null;
  return d !== null && typeof d === 'object' && typeof d.create === 'function' && typeof d.name === 'string';
}

/** A built-in name first, then a module path (relative to the suite folder) whose default export is one. */
async function resolveAdapterDefinition(
  name: string,
  suiteDir: string,
): Promise<AdapterDefinition<Record<string, unknown>>> {
  const builtin = await loadBuiltinAdapter(name);
  if (builtin) return builtin;
  if (!isModulePath(name)) throw unknownAdapterError(name);
  const file = path.resolve(suiteDir, name);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new TemporalCIError('ADAPTER_UNKNOWN', `cannot load adapter module ${file}: ${describeError(e)}`, {
      hint: 'the path is relative to the suite file; the module must be JavaScript (build TypeScript first)',
      cause: e,
    });
  }
  if (!isAdapterDefinition(mod.default)) {
    throw new TemporalCIError('ADAPTER_UNKNOWN', `${file} does not default-export an adapter definition`, {
      hint: 'export default { name, description, params, create } (see src/adapters/types.ts)',
    });
  }
  return mod.default;
}

export async function createAdapter(model: ModelConfig, suiteDir: string): Promise<Adapter> {
  const def = await resolveAdapterDefinition(model.adapter, suiteDir);
  const parsed = def.params.safeParse(model.params);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new TemporalCIError(
      'SUITE_INVALID',
      `model "${model.name}": params for adapter "${model.adapter}" are invalid: ${first?.path.join('.')}: ${first?.message}`,
      { hint: 'run `temporalci validate` for every problem with its position' },
    );
  }
  return def.create(parsed.data, { modelName: model.name, suiteDir });
}
