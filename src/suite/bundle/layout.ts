import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { TemporalCIError } from '../../errors.js';
import type { PathSegment } from '../issues.js';
import type { SuiteReference } from './references.js';

/**
 * Where each file goes inside a bundle, and which paths of the suite YAML change. Pure: the packer
 * (pack.ts) has already resolved each reference to the files it brings.
 *
 * Relative references keep their place: the bundle's root is the deepest folder holding the suite and
 * everything it references relatively, and each file sits at its path below that folder, so every path
 * as written still resolves and nothing in the YAML changes. That matters beyond tidiness: reference
 * sources name their samples and init images are chosen by their names, so a rewritten name would be a
 * different sample, unpaired from the same suite's local runs; and an unchanged suite keeps its hash.
 * Absolute references (a file elsewhere on the submitting machine) move to `_external/<hash>/<name>` and
 * their YAML value is rewritten to the relative path from the suite; an absolute source or init image is
 * refused instead, for the pairing reason above.
 */

export interface ResolvedReference {
  ref: SuiteReference;
  /** The referenced path, absolute (the file, or the folder of a folder reference). */
  target: string;
  /** The files it brings, absolute, each inside `target` for a folder reference (or `target` itself). */
  files: string[];
}

interface BundleEntry {
  /** `/`-separated name inside the bundle. */
  name: string;
  /** The local file to copy. */
  source: string;
}

export interface BundleLayout {
  /** The suite YAML's name inside the bundle. */
  suiteName: string;
  /** Referenced files, by name, without duplicates, sorted (the suite itself is not among them). */
  entries: BundleEntry[];
  rewrites: { at: PathSegment[]; value: string }[];
}

const EXTERNAL = '_external';

const toPosix = (p: string): string => p.split(path.sep).join('/');

function commonAncestor(dirs: readonly string[]): string {
  let common = dirs[0] ?? path.sep;
  for (const d of dirs.slice(1)) {
    while (d !== common && !d.startsWith(common.endsWith(path.sep) ? common : common + path.sep)) {
      common = path.dirname(common);
    }
  }
  return common;
}

export function bundleLayout(suiteFile: string, resolved: readonly ResolvedReference[]): BundleLayout {
  const suiteDir = path.dirname(suiteFile);
  for (const r of resolved) {
    if (r.ref.identity && path.isAbsolute(r.ref.written)) {
      throw new TemporalCIError(
        'SUITE_INVALID',
        `${r.ref.at.join('.')}: "${r.ref.written}" is an absolute path, which cannot travel with the suite`,
        {
          file: suiteFile,
          hint: 'write sources and init_images relative to the suite file: their names identify the samples on every machine',
        },
      );
    }
  }
  const relative = resolved.filter((r) => !path.isAbsolute(r.ref.written));
  const root = commonAncestor([
    suiteDir,
    ...relative.map((r) => (r.ref.kind === 'file' ? path.dirname(r.target) : r.target)),
  ]);
  const named = new Map<string, string>();
  const add = (name: string, source: string) => {
    const had = named.get(name);
    if (had !== undefined && had !== source) {
      throw new TemporalCIError('INTERNAL', `two files would be bundled as ${name}: ${had} and ${source}`);
    }
    named.set(name, source);
  };
  const rewrites: BundleLayout['rewrites'] = [];
  for (const r of resolved) {
    if (!path.isAbsolute(r.ref.written)) {
      for (const f of r.files) add(toPosix(path.relative(root, f)), f);
      continue;
    }
    // Named by where it was, so two different absolute files never share a folder.
    const id = createHash('sha256').update(r.target).digest('hex').slice(0, 16);
    const base = `${EXTERNAL}/${id}/${path.basename(r.target)}`;
    for (const f of r.files) add(f === r.target ? base : `${base}/${toPosix(path.relative(r.target, f))}`, f);
    rewrites.push({
      at: r.ref.at,
      value: toPosix(path.relative(suiteDir, path.join(root, ...base.split('/')))),
    });
  }
  const suiteName = toPosix(path.relative(root, suiteFile));
  if (named.has(suiteName)) named.delete(suiteName); // the suite referencing itself (a prompt_file: suite.yaml)
  const entries = [...named].map(([name, source]) => ({ name, source }));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { suiteName, entries, rewrites };
}

/**
 * The suite text with the rewritten paths, comments and layout kept; the text itself, byte for byte, when
 * nothing is rewritten (so the bundled suite has the hash of the original).
 */
export function rewriteSuiteText(text: string, rewrites: BundleLayout['rewrites']): string {
  if (rewrites.length === 0) return text;
  const doc = parseDocument(text, { keepSourceTokens: true });
  for (const r of rewrites) doc.setIn(r.at, r.value);
  return doc.toString({ lineWidth: 0 });
}
