import { TemporalCIError } from '../errors.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the environment variables a `${VAR}` template refers to, in order of appearance. */
export function envRefs(template: string): string[] {
  return [...template.matchAll(ENV_REF)].map((m) => m[1] ?? '');
}

/**
 * Replaces every `${VAR}` with its value from `env`. A missing variable is an error that names the variable
 * and where it was used, never a value: these templates usually carry tokens.
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

/**
 * The one redaction: adapters pass the values their `${VAR}` templates took (interpolateEnvRecord), the
 * webhook its URL and signing secret (notify/webhook.ts targetSecrets).
 * Replaces every occurrence of a secret with `[redacted]`. Longest first, so a secret that contains another
 * is removed whole. Very short values (< 4 chars) are redacted too: a leak is worse than an odd message.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length > 0) out = out.split(s).join('[redacted]');
  }
  return out;
}
