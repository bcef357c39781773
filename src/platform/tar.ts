import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { TemporalCIError } from '../errors.js';

/**
 * Deterministic tar.gz writing and defensive reading, for content-addressed archives (suite bundles).
 *
 * Writing: regular files only, in the order given, each with mode 0644, owner 0:0 without names and the
 * same mtime, and a pax header only for names ustar cannot hold; gzip at a fixed level with no file name
 * or time in its header. So the same names and bytes give the same archive, whatever the machine, user,
 * umask or clock, and the archive's sha256 is a name for its content.
 *
 * Reading: every entry is checked before a byte of it is written: regular files and folders only (no
 * symlinks, hard links, devices or FIFOs), relative names with no `..` or empty segment, at most
 * `maxEntries` entries and `maxBytes` in all. Files are created exclusively, in a folder this process made,
 * so nothing outside it is touched.
 */

const FIXED_MTIME = new Date(0);
const BLOCK = 512;

export interface TarSource {
  /** `/`-separated name inside the archive. */
  name: string;
  /** A local file to copy in, streamed. */
  file?: string;
  /** Or the content itself. */
  data?: Buffer;
}

export async function writeTarGz(target: string, sources: readonly TarSource[]): Promise<void> {
  const gzip = createGzip({ level: 9 });
  const done = pipeline(gzip, createWriteStream(target));
  try {
    for (const s of sources) await writeEntry(gzip, s);
    gzip.end(Buffer.alloc(BLOCK * 2)); // two zero blocks end a tar archive
    await done;
  } catch (e) {
    gzip.destroy();
    await done.catch(() => undefined);
    throw e;
  }
}

async function writeEntry(out: Writable, s: TarSource): Promise<void> {
  const size = s.data !== undefined ? s.data.length : (await fs.stat(s.file ?? '')).size;
  const fields = {
    path: s.name,
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size,
    mtime: FIXED_MTIME,
  };
  const header = new Header({ ...fields, type: 'File' });
  const block = Buffer.alloc(BLOCK);
  if (header.encode(block)) {
    // The name does not fit ustar (long, or not ASCII): a pax record carries it, the header a truncation.
    await write(out, new Pax({ path: s.name, mtime: FIXED_MTIME }).encode());
  }
  await write(out, block);
  if (s.data !== undefined) await write(out, s.data);
  else {
    let copied = 0;
    for await (const chunk of createReadStream(s.file ?? '')) {
      copied += (chunk as Buffer).length;
      if (copied > size) break;
      await write(out, chunk as Buffer);
    }
    if (copied !== size) {
      throw new TemporalCIError('RUN_FAILED', `${s.file} changed size while it was archived`, {
        hint: 'do not edit the suite files while a bundle is made',
      });
    }
  }
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad > 0) await write(out, Buffer.alloc(pad));
}

/** Writes with backpressure; `once` rejects on the stream's error and leaves no listener behind. */
async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface TarLimits {
  maxEntries: number;
  /** Sum of the entries' sizes, as their headers declare them (checked before extraction). */
  maxBytes: number;
}

function refuse(archive: string, why: string): TemporalCIError {
  return new TemporalCIError('BUNDLE_INVALID', `${path.basename(archive)}: ${why}`, {
    hint: 'the archive was not made by temporalci, or was altered; make the bundle again from the suite',
  });
}

/** Why an entry name could leave the folder it is extracted into, or undefined when it cannot. */
function unsafeName(name: string): string | undefined {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed === '') return 'has an empty name';
  if (name.includes('\\') || name.includes('\0')) return 'has a backslash or NUL in its name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'has an absolute name';
  const segments = trimmed.split('/');
  if (segments.some((s) => s === '..')) return 'climbs out with ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." segment';
  return undefined;
}

/** Extracts into `dir`, which must not exist yet (it is created); refuses, before writing, what is unsafe. */
export async function extractTarGz(archive: string, dir: string, limits: TarLimits): Promise<string[]> {
  await scanTarGz(archive, limits);
  await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  await fs.mkdir(dir);
  const root = path.resolve(dir);
  const files: string[] = [];
  const writes: Promise<void>[] = [];
  const extracting = parse(archive, (entry, fail) => {
    const name = entry.path.replace(/\/+$/, '');
    const target = path.join(root, ...name.split('/'));
    if (!target.startsWith(root + path.sep)) return fail(refuse(archive, `entry "${entry.path}" escapes`));
    if (entry.type === 'Directory') {
      entry.resume();
      writes.push(fs.mkdir(target, { recursive: true }).then(() => undefined));
      return;
    }
    files.push(name);
    const sink = new PassThrough();
    entry.pipe(sink);
    const written = fs
      .mkdir(path.dirname(target), { recursive: true })
      .then(() => pipeline(sink, createWriteStream(target, { flags: 'wx', mode: 0o644 })));
    writes.push(
      written.catch((e: NodeJS.ErrnoException) => {
        // Drain what is left of the entry and stop the parse: a stalled entry would stall the parser.
        sink.resume();
        fail(refuse(archive, `entry "${entry.path}" cannot be written (${e.code ?? e.message})`));
        throw e;
      }),
    );
  });
  // Every write settles before this returns or throws, so the caller may remove the folder at once.
  const parsed = await extracting.then(
    () => undefined,
    (e: unknown) => e,
  );
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (parsed !== undefined) throw parsed;
  if (failed !== undefined) {
    const code = (failed.reason as NodeJS.ErrnoException).code ?? String(failed.reason);
    throw refuse(archive, `cannot be extracted (${code})`);
  }
  return files.sort();
}

/** Checks every header of the archive without writing anything. */
async function scanTarGz(archive: string, limits: TarLimits): Promise<void> {
  let entries = 0;
  let bytes = 0;
  const seen = new Set<string>();
  await parse(archive, (entry, fail) => {
    entry.resume();
    const name = entry.path.replace(/\/+$/, '');
    const unsafe = unsafeName(entry.path);
    if (unsafe !== undefined) return fail(refuse(archive, `entry "${entry.path}" ${unsafe}`));
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
      return fail(refuse(archive, `entry "${entry.path}" is a ${entry.type}, not a file or folder`));
    }
    if (entry.type !== 'Directory' && seen.has(name)) {
      return fail(refuse(archive, `entry "${entry.path}" appears twice`));
    }
    seen.add(name);
    if (++entries > limits.maxEntries) {
      return fail(refuse(archive, `holds more than ${limits.maxEntries} entries`));
    }
    bytes += entry.size;
    if (bytes > limits.maxBytes) {
      return fail(refuse(archive, `holds more than ${limits.maxBytes} bytes`));
    }
  });
}

/** Runs `onEntry` for each entry; `fail` stops the parse with that error. Corrupt archives are refused. */
async function parse(
  archive: string,
  onEntry: (entry: ReadEntry, fail: (e: TemporalCIError) => void) => void,
): Promise<void> {
  let failure: TemporalCIError | undefined;
  let valid = false;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      valid = true;
      if (failure !== undefined) {
        entry.resume();
        return;
      }
      onEntry(entry, (e) => {
        failure = e;
        entry.resume();
        parser.abort(e);
      });
    },
  });
  try {
    await pipeline(createReadStream(archive), parser as unknown as Writable);
  } catch (e) {
    if (failure !== undefined) throw failure;
    if (e instanceof TemporalCIError) throw e;
    throw refuse(archive, `is not a readable tar.gz (${(e as Error).message})`);
  }
  if (failure !== undefined) throw failure;
  if (!valid) throw refuse(archive, 'holds no entries');
}
