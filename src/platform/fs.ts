import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTemporalCIError, TemporalCIError } from '../errors.js';

/** Writes through a temp file and a rename, so a reader (or a crash) never sees half a file. */
export async function atomicWriteFile(file: string, data: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export function atomicWriteJson(file: string, value: unknown): Promise<void> {
  return atomicWriteFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A fresh folder under the system temp folder, for one sample's or one step's scratch files. */
export function makeScratchDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Removes a folder and everything in it; a folder already gone is not an error. */
export function removeDir(dir: string): Promise<void> {
  return fs.rm(dir, { recursive: true, force: true });
}

export async function ensureDir(dir: string): Promise<string> {
  await makeDirs(dir);
  return dir;
}

/**
 * `mkdir -p` that reports the real cause: Node's recursive mkdir says ENOENT on a read-only file system
 * (and for some permission faults), so on ENOENT the folders are made one by one to surface EROFS/EACCES.
 */
export async function makeDirs(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const abs = path.resolve(dir);
  const parts = abs.split(path.sep).filter((p) => p !== '');
  let at = path.parse(abs).root;
  for (const part of parts) {
    at = path.join(at, part);
    await fs.mkdir(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

export async function copyFile(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.copyFile(from, to);
}

export function removeFile(file: string): Promise<void> {
  return fs.rm(file, { force: true });
}

/** Every regular file below `dir`, as paths relative to it with `/` separators (sorted); [] when absent. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs
    .readdir(dir, { recursive: true, withFileTypes: true })
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** A file's size in bytes, null when it does not exist. */
export async function fileSize(file: string): Promise<number | null> {
  return fs.stat(file).then(
    (s) => s.size,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    },
  );
}

export async function appendText(file: string, text: string): Promise<void> {
  await fs.appendFile(file, text);
}

/** Whether a regular file is at `file` (false when absent or not a file). */
export async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Moves a file (a rename; a copy and delete across devices), making the target's folder. */
export async function moveFile(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  try {
    await fs.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await fs.copyFile(from, to);
    await fs.rm(from, { force: true });
  }
}

/**
 * Removes the scratch folders under the system temp folder whose names start with `prefix`: left by a
 * session that was killed (SIGKILL, OOM) before its cleanup ran, with a half-downloaded `.part` in them.
 */
export async function removeStaleScratch(prefix: string): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await fs.readdir(tmp)) {
    if (name.startsWith(prefix)) await fs.rm(path.join(tmp, name), { recursive: true, force: true });
  }
}

/** Renames within one file system (the atomic last step of writing a file under a temp name). */
export function renameFile(from: string, to: string): Promise<void> {
  return fs.rename(from, to);
}

export function readTextFile(file: string): Promise<string> {
  return fs.readFile(file, 'utf8');
}

/** What each errno a write can meet means for the user, and what to do about it. */
const STORAGE_CAUSES: Record<string, { cause: string; hint: string }> = {
  ENOSPC: {
    cause: 'no space left on the device',
    hint: 'free space there or point --artifacts-dir at a larger disk',
  },
  EDQUOT: {
    cause: 'the disk quota is used up',
    hint: 'free space in your quota or point --artifacts-dir elsewhere',
  },
  EROFS: {
    cause: 'the file system is read-only',
    hint: 'mount it read-write or point --artifacts-dir at a writable folder',
  },
  EACCES: {
    cause: 'permission denied',
    hint: 'give this user write permission there or point --artifacts-dir elsewhere',
  },
  EPERM: {
    cause: 'operation not permitted',
    hint: 'give this user write permission there or point --artifacts-dir elsewhere',
  },
  ENOTDIR: {
    cause: 'a part of the path is a regular file, not a folder',
    hint: 'remove or rename that file, or point --artifacts-dir elsewhere',
  },
  EEXIST: {
    cause: 'a regular file is where a folder must be',
    hint: 'remove or rename that file, or point --artifacts-dir elsewhere',
  },
};

/** The errno of a failed write the machine's storage caused (full, read-only, not permitted), else null. */
export function storageErrno(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in STORAGE_CAUSES ? code : null;
}

/**
 * A storage fault as what it is: STORAGE_FAULT naming the folder and the cause (exit 1 at the CLI), never
 * an internal error. `folder` is the one the user chose (the artifacts folder); `doing` says what was
 * being written. Any other error comes back as it was.
 */
export function asStorageFault(e: unknown, folder: string, doing: string): unknown {
  const code = storageErrno(e);
  if (code === null || isTemporalCIError(e)) return e;
  const { cause, hint } = STORAGE_CAUSES[code] as { cause: string; hint: string };
  const where = (e as NodeJS.ErrnoException).path;
  // Only a path inside the folder says where; a copy's error names its source (a scratch file).
  const at = typeof where === 'string' && where.startsWith(folder + path.sep) ? ` at ${where}` : '';
  return new TemporalCIError('STORAGE_FAULT', `${folder}: ${cause} (${code}) while ${doing}${at}`, {
    hint,
    cause: e,
  });
}

/** Runs `fn`, turning a storage fault it meets into STORAGE_FAULT naming `folder` (see asStorageFault). */
export async function writingTo<T>(folder: string, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asStorageFault(e, folder, doing);
  }
}

const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Grows `file` by `bytes` of real zeros (not a sparse hole: a hole reserves nothing), so that space is
 * held now and can be given back later with `removeFile`, e.g. for a record that must be written when
 * the disk is full. Throws the write's error (ENOSPC) when the space is not there: file systems with
 * delayed allocation (ext4, xfs) still charge the blocks at write time, so no fsync is needed.
 */
export async function growReserve(file: string, bytes: number): Promise<void> {
  const handle = await fs.open(file, 'a');
  try {
    for (let left = bytes; left > 0; left -= ZEROS.length) {
      await handle.write(ZEROS, 0, Math.min(left, ZEROS.length));
    }
  } finally {
    await handle.close();
  }
}
