import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parse } from 'yaml';
import { isModulePath } from '../../adapters/registry.js';
import { TemporalCIError } from '../../errors.js';
import { ensureDir, fileSize, filesUnder, isFile, removeFile, renameFile } from '../../platform/fs.js';
import { sha256File, writeTarGz } from '../../platform/tar.js';
import type { LoadedSuite } from '../types.js';
import { bundleLayout, type ResolvedReference, rewriteSuiteText } from './layout.js';
import { type SuiteReference, suiteReferences } from './references.js';

/**
 * A suite and every file it references as one content-addressed archive, `bundles/<sha256>.tar.gz`: what
 * a fleet worker downloads instead of sharing a folder with the submitter. The archive holds
 * `temporalci-bundle.json` (the suite's name inside, and each file's size and sha256) first, the suite
 * YAML, then the referenced files in name order; it is byte-identical for identical inputs
 * (src/platform/tar.ts), so its hash names it and a worker caches it by that name.
 */

export const MANIFEST_NAME = 'temporalci-bundle.json';
export const BUNDLE_FORMAT = 1;

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  /** The suite YAML inside the bundle. */
  suite: string;
  files: { name: string; size: number; sha256: string }[];
}

export interface SuiteBundle {
  sha256: string;
  /** `<outDir>/<sha256>.tar.gz`. */
  file: string;
  size: number;
  manifest: BundleManifest;
}

/** Above this the submitter is told, rather than the upload taking an hour (a dataset is not a suite). */
export const DEFAULT_MAX_BUNDLE_BYTES = 4 * 1024 ** 3;

async function resolveReference(
  ref: SuiteReference,
  suiteDir: string,
  suiteFile: string,
): Promise<ResolvedReference> {
  const target = path.resolve(suiteDir, ref.written);
  const missing = () =>
    new TemporalCIError(
      'SUITE_NOT_FOUND',
      `${ref.at.join('.')}: ${target} cannot be bundled: it is not a file`,
      {
        file: suiteFile,
        hint: 'paths in a suite are relative to the suite file; run `temporalci validate` on it first',
      },
    );
  if (ref.kind === 'file') {
    if (!(await isFile(target))) throw missing();
    return { ref, target, files: [target] };
  }
  if (ref.kind === 'file-or-folder') {
    if (await isFile(target)) return { ref, target, files: [target] };
    const files = (await filesUnder(target)).map((f) => path.join(target, ...f.split('/')));
    if (files.length === 0) throw missing();
    return { ref, target, files };
  }
  const files: string[] = [];
  for (const m of ref.members ?? []) {
    const f = path.join(target, ...m.split('/'));
    if (await isFile(f)) files.push(f);
  }
  return { ref, target, files };
}

export async function createBundle(
  suite: LoadedSuite,
  outDir: string,
  opts: { maxBytes?: number } = {},
): Promise<SuiteBundle> {
  const refs = suiteReferences(parse(suite.text), isModulePath);
  const resolved: ResolvedReference[] = [];
  for (const ref of refs) resolved.push(await resolveReference(ref, suite.dir, suite.file));
  const layout = bundleLayout(suite.file, resolved);
  const suiteText = Buffer.from(rewriteSuiteText(suite.text, layout.rewrites), 'utf8');

  const files: BundleManifest['files'] = [];
  let total = suiteText.length;
  for (const e of layout.entries) {
    const size = (await fileSize(e.source)) ?? 0;
    total += size;
    files.push({ name: e.name, size, sha256: await sha256File(e.source) });
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  if (total > maxBytes) {
    throw new TemporalCIError(
      'SUITE_INVALID',
      `the suite and its files come to ${total} bytes, over ${maxBytes}`,
      {
        file: suite.file,
        hint: 'reference fewer or smaller files (sources, init images); a fleet worker downloads all of them',
      },
    );
  }
  const manifest: BundleManifest = { format: BUNDLE_FORMAT, suite: layout.suiteName, files };
  // Written beside its final name and renamed once complete and hashed: no reader sees half a bundle.
  const dir = await ensureDir(path.resolve(outDir));
  const tmp = path.join(dir, `.bundle-${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  try {
    await writeTarGz(tmp, [
      { name: MANIFEST_NAME, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
      { name: layout.suiteName, data: suiteText },
      ...layout.entries.map((e) => ({ name: e.name, file: e.source })),
    ]);
    const sha256 = await sha256File(tmp);
    const file = path.join(dir, `${sha256}.tar.gz`);
    const size = (await fileSize(tmp)) ?? 0;
    await renameFile(tmp, file);
    return { sha256, file, size, manifest };
  } finally {
    await removeFile(tmp);
  }
}
