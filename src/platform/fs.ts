import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
