import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { TemporalCIError } from '../../errors.js';
import { fileSize, readTextFile, removeDir, renameFile } from '../../platform/fs.js';
import { extractTarGz, sha256File } from '../../platform/tar.js';
import { loadSuite, type SuiteRegistries } from '../load.js';
import type { LoadedSuite } from '../types.js';
import { BUNDLE_FORMAT, type BundleManifest, DEFAULT_MAX_BUNDLE_BYTES, MANIFEST_NAME } from './pack.js';

/**
 * A bundle back into a folder and a loaded suite, on a machine that trusts nothing in it: the archive must
 * hash to the name it was asked for; its entries are checked before extraction (src/platform/tar.ts: no
 * links, devices, absolute or climbing names, bounded count and size); every file must be the one the
 * manifest lists, with its size and sha256, and nothing else may be there; and the suite must validate
 * from where it landed.
 */

const manifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    suite: z.string().min(1),
    files: z.array(
      z.object({ name: z.string().min(1), size: z.number().int().min(0), sha256: z.string() }).strict(),
    ),
  })
  .strict();

const BUNDLE_FILE = /^([0-9a-f]{64})\.tar\.gz$/;
const DEFAULT_MAX_ENTRIES = 100_000;

export interface ExtractOptions {
  /** The bundle's address; default: from the file name `<sha256>.tar.gz`. */
  sha256?: string;
  maxBytes?: number;
  maxEntries?: number;
  registries?: SuiteRegistries;
}

function invalid(
  file: string,
  why: string,
  hint = 'fetch the bundle again, or make it again from the suite',
): TemporalCIError {
  return new TemporalCIError('BUNDLE_INVALID', `bundle ${path.basename(file)} ${why}`, { file, hint });
}

export async function extractBundle(
  file: string,
  dir: string,
  opts: ExtractOptions = {},
): Promise<{ suite: LoadedSuite; manifest: BundleManifest; dir: string }> {
  const expected = opts.sha256 ?? BUNDLE_FILE.exec(path.basename(file))?.[1];
  if (expected === undefined) {
    throw invalid(
      file,
      'has no address to check',
      'name it <sha256>.tar.gz, or pass the sha256 it should have',
    );
  }
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw invalid(
      file,
      `has sha256 ${actual.slice(0, 12)}…, not the ${expected.slice(0, 12)}… it was asked for`,
    );
  }
  const target = path.resolve(dir);
  if (await exists(target)) {
    throw new TemporalCIError(
      'USAGE',
      `cannot extract bundle ${expected.slice(0, 12)}… into ${target}: it exists`,
      {
        hint: 'extract into a folder that does not exist yet (a cache keyed by the sha256 reuses a finished one)',
      },
    );
  }
  // Extracted beside the target and renamed into place once checked: a cache never holds half a bundle.
  const partial = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  try {
    const files = await extractTarGz(file, partial, {
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES,
      maxEntries: opts.maxEntries ?? DEFAULT_MAX_ENTRIES,
    });
    const manifest = await readManifest(file, partial);
    await checkFiles(file, partial, files, manifest);
    await renameFile(partial, target);
  } catch (e) {
    await removeDir(partial);
    throw e;
  }
  const manifest = await readManifest(file, target);
  return {
    suite: await loadSuite(path.join(target, ...manifest.suite.split('/')), opts.registries),
    manifest,
    dir: target,
  };
}

async function readManifest(file: string, dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readTextFile(path.join(dir, MANIFEST_NAME));
  } catch {
    throw invalid(file, `has no ${MANIFEST_NAME}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid(file, `has a ${MANIFEST_NAME} that is not JSON`);
  }
  const r = manifestSchema.safeParse(data);
  if (!r.success)
    throw invalid(file, `has a ${MANIFEST_NAME} of an unknown format`, 'update temporalci on this machine');
  return r.data as BundleManifest;
}

async function checkFiles(
  file: string,
  dir: string,
  extracted: string[],
  manifest: BundleManifest,
): Promise<void> {
  const listed = new Map(manifest.files.map((f) => [f.name, f]));
  for (const name of extracted) {
    if (name === MANIFEST_NAME || name === manifest.suite) continue;
    const want = listed.get(name);
    if (want === undefined) throw invalid(file, `holds ${name}, which its manifest does not list`);
    listed.delete(name);
    const sha = await sha256File(path.join(dir, ...name.split('/')));
    if (sha !== want.sha256) throw invalid(file, `holds ${name} with other content than its manifest says`);
  }
  const missing = [...listed.keys()];
  if (missing.length > 0)
    throw invalid(file, `lacks ${missing.slice(0, 3).join(', ')}, listed in its manifest`);
  if (!extracted.includes(manifest.suite)) throw invalid(file, `lacks its suite ${manifest.suite}`);
}

/** Whether anything (file or folder) is at `p`; a path that cannot be looked at counts as taken. */
async function exists(p: string): Promise<boolean> {
  return (await fileSize(p).catch(() => 0)) !== null;
}
