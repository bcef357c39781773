import { testSchema } from '../../schema/suite.js';
import type { PathSegment } from '../issues.js';

/**
 * Every file a suite refers to, read from the suite data as written (so each reference has the YAML path
 * a rewrite would change). Pure: which paths exist, and what a folder holds, is the packer's business.
 *
 * - `tests[i].prompt_file`, `tests[i].init_images[j]`, `tests[i].sources[j]`: files.
 * - `tests[i].prompt_source.suite_root`: a folder, of which only the class files the test reads travel.
 * - `models[i].adapter` when it is a module path, and the adapter and metric params that name files
 *   relative to the suite (PATH_PARAMS below).
 *
 * Not covered, on purpose: the argv of `command` adapters and of judges (any string may or may not be a
 * file), and the files a module adapter imports. A fleet runs those only on workers that allow them, where
 * the tools they call are installed.
 */

type ReferenceKind =
  /** One file. */
  | 'file'
  /** A file, or a folder bundled whole (vbench_official `results`). */
  | 'file-or-folder'
  /** A folder of which `members` (relative to it) are bundled where they exist. */
  | 'members';

export interface SuiteReference {
  /** Where the path is written in the suite YAML (`['tests', 0, 'prompt_file']`). */
  at: PathSegment[];
  /** The path as written. */
  written: string;
  kind: ReferenceKind;
  /** For `members`: the candidate files inside the folder, one of each alternative layout. */
  members?: string[];
  /**
   * The name as written is part of what a sample is (reference sources name their samples; init images
   * are chosen by hashing their names), so rewriting it would unpair the fleet's samples from local runs.
   */
  identity: boolean;
}

/** Params of built-in adapters and metrics whose value is a path relative to the suite folder. */
export const PATH_PARAMS: {
  adapters: Record<string, readonly { param: string; kind: ReferenceKind }[]>;
  metrics: Record<string, readonly { param: string; kind: ReferenceKind }[]>;
} = {
  adapters: {
    diffusers: [
      { param: 'init_image', kind: 'file' },
      { param: 'worker_script', kind: 'file' },
    ],
  },
  metrics: {
    vbench_official: [{ param: 'results', kind: 'file-or-folder' }],
  },
};

const CLASS_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

/** The class files a T2VSafetyBench prompt source may read, in each layout src/suite/prompts.ts accepts. */
export function promptSourceMembers(promptSet: 'tiny' | 'full', classes: readonly number[]): string[] {
  const dirs =
    promptSet === 'tiny' ? ['Tiny-T2VSafetyBench', 'T2VSafetyBench/Tiny-T2VSafetyBench'] : ['T2VSafetyBench'];
  return dirs.flatMap((d) => classes.map((c) => `${d}/${c}.txt`));
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const listAt = (data: Record<string, unknown>, key: string): unknown[] => {
  const v = data[key];
  return Array.isArray(v) ? v : [];
};
const stringAt = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;

/**
 * The references of suite data (the YAML as parsed, before defaults). `isModulePath` tells a module adapter
 * from a built-in name, as the loader does (src/adapters/registry.ts).
 */
export function suiteReferences(data: unknown, isModulePath: (name: string) => boolean): SuiteReference[] {
  if (!isRecord(data)) return [];
  const out: SuiteReference[] = [];
  const add = (at: PathSegment[], value: unknown, kind: ReferenceKind, identity = false) => {
    const written = stringAt(value);
    if (written !== undefined) out.push({ at, written, kind, identity });
  };
  for (const [i, m] of listAt(data, 'models').entries()) {
    if (!isRecord(m)) continue;
    const adapter = stringAt(m.adapter);
    if (adapter !== undefined && isModulePath(adapter)) add(['models', i, 'adapter'], adapter, 'file');
    const params = isRecord(m.params) ? m.params : {};
    for (const p of (adapter && PATH_PARAMS.adapters[adapter]) || []) {
      add(['models', i, 'params', p.param], params[p.param], p.kind);
    }
  }
  for (const [i, t] of listAt(data, 'tests').entries()) {
    if (!isRecord(t)) continue;
    add(['tests', i, 'prompt_file'], t.prompt_file, 'file');
    for (const [j, img] of (Array.isArray(t.init_images) ? t.init_images : []).entries()) {
      add(['tests', i, 'init_images', j], img, 'file', true);
    }
    for (const [j, src] of (Array.isArray(t.sources) ? t.sources : []).entries()) {
      add(['tests', i, 'sources', j], src, 'file', true);
    }
    // Defaults (suite_root, prompt_set, classes) as the loader applies them.
    const parsed = testSchema.safeParse(t);
    const source = parsed.success ? parsed.data.prompt_source : undefined;
    if (source !== undefined) {
      out.push({
        at: ['tests', i, 'prompt_source', 'suite_root'],
        written: source.suite_root,
        kind: 'members',
        members: promptSourceMembers(source.prompt_set, source.classes ?? CLASS_IDS),
        identity: false,
      });
    }
  }
  for (const [i, m] of listAt(data, 'metrics').entries()) {
    if (!isRecord(m)) continue;
    const name = stringAt(m.name);
    const params = isRecord(m.params) ? m.params : {};
    for (const p of (name && PATH_PARAMS.metrics[name]) || []) {
      add(['metrics', i, 'params', p.param], params[p.param], p.kind);
    }
  }
  return out;
}
