import { TemporalCIError } from '../errors.js';
import { commandAdapter } from './command.js';
import { diffusersAdapter, diffusersImg2VidAdapter } from './diffusers/index.js';
import { httpAdapter } from './http.js';
import { mockAdapter } from './mock/index.js';
import type { AdapterDefinition } from './types.js';

/**
 * Built-in adapters, keyed by the name a suite uses. Adapters are an open set: a name that is not built in
 * is tried as a module path (relative to the suite folder) whose default export is an AdapterDefinition.
 */
export const BUILTIN_ADAPTERS = {
  command: commandAdapter,
  diffusers: diffusersAdapter,
  diffusers_img2vid: diffusersImg2VidAdapter,
  http: httpAdapter,
  mock: mockAdapter,
} satisfies Record<string, AdapterDefinition<Record<string, unknown>>>;

type BuiltinAdapterName = keyof typeof BUILTIN_ADAPTERS;

export function adapterNames(): string[] {
  return Object.keys(BUILTIN_ADAPTERS).sort();
}

export function findBuiltinAdapter(name: string): AdapterDefinition<Record<string, unknown>> | undefined {
  return Object.hasOwn(BUILTIN_ADAPTERS, name)
    ? (BUILTIN_ADAPTERS[name as BuiltinAdapterName] as unknown as AdapterDefinition<Record<string, unknown>>)
    : undefined;
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
