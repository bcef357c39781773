import { TemporalCIError } from '../errors.js';
import { commandAdapterMeta } from './command.meta.js';
import { diffusersAdapterMeta, diffusersImg2VidAdapterMeta } from './diffusers/index.meta.js';
import { httpAdapterMeta } from './http.meta.js';
import { mockAdapterMeta } from './mock/index.meta.js';
import type { AdapterDefinition, AdapterMeta } from './types.js';

/** An adapter as the registry holds it: its metadata, and its implementation, imported on first use. */
interface AdapterEntry<P> {
  meta: AdapterMeta<P>;
  load: () => Promise<AdapterDefinition<P>>;
}

/** Ties the metadata and the implementation to one params type, so they cannot drift apart. */
function entry<P>(meta: AdapterMeta<P>, load: () => Promise<AdapterDefinition<P>>): AdapterEntry<P> {
  return { meta, load };
}

/**
 * Built-in adapters, keyed by the name a suite uses. Validation reads only `meta` (no process, HTTP client
 * or encoder is imported by `temporalci validate`); a run loads the one it generates with. Adapters are an
 * open set: a name that is not built in is tried as a module path (relative to the suite folder) whose
 * default export is an AdapterDefinition.
 */
export const BUILTIN_ADAPTERS = {
  command: entry(commandAdapterMeta, async () => (await import('./command.js')).commandAdapter),
  diffusers: entry(diffusersAdapterMeta, async () => (await import('./diffusers/index.js')).diffusersAdapter),
  diffusers_img2vid: entry(
    diffusersImg2VidAdapterMeta,
    async () => (await import('./diffusers/index.js')).diffusersImg2VidAdapter,
  ),
  http: entry(httpAdapterMeta, async () => (await import('./http.js')).httpAdapter),
  mock: entry(mockAdapterMeta, async () => (await import('./mock/index.js')).mockAdapter),
};

type BuiltinAdapterName = keyof typeof BUILTIN_ADAPTERS;
type AnyEntry = AdapterEntry<Record<string, unknown>>;

function entryOf(name: string): AnyEntry | undefined {
  return Object.hasOwn(BUILTIN_ADAPTERS, name)
    ? (BUILTIN_ADAPTERS[name as BuiltinAdapterName] as unknown as AnyEntry)
    : undefined;
}

export function adapterNames(): string[] {
  return Object.keys(BUILTIN_ADAPTERS).sort();
}

/** The metadata of a built-in adapter (name, description, params schema), without its implementation. */
export function findBuiltinAdapter(name: string): AdapterMeta<Record<string, unknown>> | undefined {
  return entryOf(name)?.meta;
}

/** The implementation of a built-in adapter, imported on first use; undefined for a name none has. */
export async function loadBuiltinAdapter(
  name: string,
): Promise<AdapterDefinition<Record<string, unknown>> | undefined> {
  return entryOf(name)?.load();
}

/** True when the name looks like a module path rather than a built-in name. */
export function isModulePath(name: string): boolean {
  return name.startsWith('.') || name.startsWith('/') || /\.(m?js|ts)$/.test(name);
}

export function unknownAdapterError(name: string): TemporalCIError {
  return new TemporalCIError('ADAPTER_UNKNOWN', `unknown adapter "${name}"`, {
    hint: `use one of: ${adapterNames().join(', ')}, or a module path such as ./my-adapter.js`,
  });
}
