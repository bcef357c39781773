import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  await fs.mkdir(dir, { recursive: true });
  return dir;
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

/** Renames within one file system (the atomic last step of writing a file under a temp name). */
export function renameFile(from: string, to: string): Promise<void> {
  return fs.rename(from, to);
}

export function readTextFile(file: string): Promise<string> {
  return fs.readFile(file, 'utf8');
}
