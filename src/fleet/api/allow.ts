import { isModulePath } from '../../adapters/registry.js';

/**
 * Adapters that run code the submitter chose (a command line, a module): a worker runs them only when its
 * operator allowed them with `--allow-adapters`, so a submit token never means code execution on a GPU box.
 * The coordinator uses the same rule to refuse a run no live worker may take.
 */
export function needsAllowing(adapter: string): boolean {
  return adapter === 'command' || isModulePath(adapter);
}
