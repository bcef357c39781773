import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { TemporalCIError } from '../errors.js';

/**
 * Reading an input file a user names (suite, prompt file, calibration JSON). `/dev/zero` would be read until
 * memory runs out and a FIFO would block forever, so only regular files are read, and only up to a cap:
 * TEMPORALCI_MAX_FILE_MB, default 64 MB (a suite or prompt list is kilobytes; 64 MB is ~500 000 long prompts).
 */

const DEFAULT_MAX_FILE_MB = 64;

/** The cap in bytes, from TEMPORALCI_MAX_FILE_MB (a positive number of megabytes) or the default. */
function maxInputFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TEMPORALCI_MAX_FILE_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_FILE_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0 || mb > 1024 * 1024) {
    throw new TemporalCIError(
      'USAGE',
      `TEMPORALCI_MAX_FILE_MB must be a number of megabytes > 0, got "${raw}"`,
      {
        hint: `unset it for the default (${DEFAULT_MAX_FILE_MB} MB)`,
      },
    );
  }
  return Math.floor(mb * 1024 * 1024);
}

/** Why a file cannot be read, in words (ENOENT → "does not exist"), for messages that name the file. */
export function describeReadFailure(e: unknown): string {
  if (e instanceof TemporalCIError && e.code === 'FILE_UNREADABLE') return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  return `cannot be read (${code ?? String(e)})`;
}

/**
 * The bytes of a regular file of at most `maxInputFileBytes()`. Throws FILE_UNREADABLE (message: what is
 * wrong, without the file name, so callers can say "prompt file X <message>") for a device, FIFO, socket or
 * folder, or a file over the cap; other failures are the fs error (ENOENT, EACCES) for `describeReadFailure`.
 */
export async function readBoundedFile(file: string, maxBytes = maxInputFileBytes()): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer; regular files ignore the flag.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new TemporalCIError('FILE_UNREADABLE', 'is a folder');
    if (!st.isFile()) {
      throw new TemporalCIError('FILE_UNREADABLE', 'is not a regular file (a device, FIFO or socket)', {
        hint: 'pass a regular file',
      });
    }
    const tooLarge = (): TemporalCIError =>
      new TemporalCIError('FILE_UNREADABLE', `is larger than the ${formatMb(maxBytes)} input file cap`, {
        hint: 'raise TEMPORALCI_MAX_FILE_MB (megabytes) if the file really is that large',
      });
    if (st.size > maxBytes) throw tooLarge();
    // Read until EOF or one byte past the cap: a file that grows after stat is still bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(maxBytes + 1 - total, Math.max(st.size - total, 64 * 1024)));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge();
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function formatMb(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(2)} MB`;
}
