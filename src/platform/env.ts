import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TemporalCIError } from '../errors.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the environment variables a `${VAR}` template refers to, in order of appearance. */
export function envRefs(template: string): string[] {
  return [...template.matchAll(ENV_REF)].map((m) => m[1] ?? '');
}

/**
 * Every value a `${VAR}` template has taken in this process. `redact` removes them all, whichever caller
 * asks: a token one adapter interpolated must not survive in a message another layer words.
 */
const interpolated = new Set<string>();

/**
 * Replaces every `${VAR}` with its value from `env`. A missing variable is an error that names the variable
 * and where it was used, never a value: these templates usually carry tokens. Each value used is
 * remembered for `redact`.
 */
export function interpolateEnv(
  template: string,
  where: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return template.replace(ENV_REF, (_whole, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new TemporalCIError(
        'ADAPTER_FAILED',
        `environment variable ${name} (used in ${where}) is not set`,
        {
          hint: `export ${name} before running temporalci, or remove it from the suite`,
        },
      );
    }
    if (value.length > 0) interpolated.add(value);
    return value;
  });
}

/** Interpolates every value of a record; returns the result and the substituted values (for redaction). */
export function interpolateEnvRecord(
  record: Record<string, string>,
  where: string,
  env: NodeJS.ProcessEnv = process.env,
): { values: Record<string, string>; secrets: string[] } {
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, template] of Object.entries(record)) {
    values[key] = interpolateEnv(template, `${where}.${key}`, env);
    for (const name of envRefs(template)) {
      const v = env[name];
      if (v !== undefined && v.length > 0) secrets.push(v);
    }
  }
  return { values, secrets };
}

const REDACTED = '[redacted]';

/**
 * The one redaction: every value any `${VAR}` template took in this process (adapter headers and env, the
 * webhook URL), plus the `secrets` the caller names (the webhook's signing secret, an S3 key).
 * Replaces every occurrence of a secret with `[redacted]`. Longest first, so a secret that contains another
 * is removed whole. Very short values (< 4 chars) are redacted too: a leak is worse than an odd message.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of allSecrets(secrets)) out = out.split(s).join(REDACTED);
  return out;
}

function allSecrets(secrets: readonly string[]): string[] {
  const all = new Set([...interpolated, ...secrets.filter((s) => s.length > 0)]);
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * Redacts a file a child process wrote itself (a model's or a judge's log, which may echo its env), in
 * place: streamed through a temporary sibling and renamed, so a log of any size is handled in bounded
 * memory. Works on bytes (latin1 maps each byte to one char), so a chunk boundary inside a UTF-8 character
 * changes nothing, and holds back the last `longest - 1` bytes of each chunk, so a secret split across two
 * chunks is still found. A missing file is nothing to redact.
 */
export async function redactFile(file: string, secrets: readonly string[] = []): Promise<void> {
  const bytes = allSecrets(secrets).map((s) => Buffer.from(s, 'utf8').toString('latin1'));
  if (bytes.length === 0) return;
  const exists = await fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) return;
  const keep = Math.max(...bytes.map((s) => s.length)) - 1;
  const scrub = (text: string) => bytes.reduce((out, s) => out.split(s).join(REDACTED), text);
  let carry = '';
  const redactor = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const text = scrub(carry + chunk.toString('latin1'));
      carry = keep === 0 ? '' : text.slice(-keep);
      done(null, Buffer.from(text.slice(0, text.length - carry.length), 'latin1'));
    },
    flush(done) {
      done(null, Buffer.from(scrub(carry), 'latin1'));
    },
  });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.redacting`;
  try {
    await pipeline(createReadStream(file), redactor, createWriteStream(tmp));
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
