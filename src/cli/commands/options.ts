import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(value: string, allowZero: boolean): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new InvalidArgumentError(`expected a whole number ${allowZero ? '≥ 0' : '≥ 1'}, got "${value}"`);
  }
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

export function positiveInt(value: string): number {
  return wholeNumber(value, false);
}

export function nonNegativeInt(value: string): number {
  return wholeNumber(value, true);
}

/** Describes why `n` fails a numeric setting's schema, in the words of the schema's bounds. */
function boundsMessage(issue: z.core.$ZodIssue | undefined, raw: string): string {
  if (issue?.code === 'too_big') return `expected a number ≤ ${issue.maximum}, got "${raw}"`;
  if (issue?.code === 'too_small') {
    return `expected a number ${issue.inclusive === false ? '>' : '≥'} ${issue.minimum}, got "${raw}"`;
  }
  if (issue?.code === 'invalid_type' && issue.expected === 'int')
    return `expected a whole number, got "${raw}"`;
  return `${issue?.message ?? 'invalid value'}, got "${raw}"`;
}

/**
 * A flag that overrides a suite setting takes exactly the values the setting does: the parser is the
 * setting's own schema (src/schema/suite.ts), so `--retries 100000` is refused like `run.retries: 100000`.
 */
export function settingFlag(schema: z.ZodType<unknown>): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
    const r = schema.safeParse(n);
    if (!r.success) throw new InvalidArgumentError(boundsMessage(r.error.issues[0], value));
    return n;
  };
}
