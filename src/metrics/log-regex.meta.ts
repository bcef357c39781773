import { z } from 'zod';
import type { MetricMeta } from './types.js';

/** Number of capture groups of a regex source: `(?:src)|` matches the empty string with every group unset. */
function captureGroups(source: string): number {
  const m = new RegExp(`(?:${source})|`).exec('');
  return m === null ? 0 : m.length - 1;
}

const patternSchema = z.string().superRefine((source, ctx) => {
  let groups: number;
  try {
    groups = captureGroups(source);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
    return;
  }
  if (groups !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `the pattern must have exactly one capture group (the number), it has ${groups}; use (?:…) for others`,
    });
  }
});

const paramsSchema = z
  .object({
    patterns: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _'), patternSchema)
      .refine((r) => Object.keys(r).length > 0, { message: 'give at least one pattern' })
      .describe('value name → regex with one capture group, e.g. {"it_s": "([\\\\d.]+)it/s"}'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        "file to read instead of the adapter's log: absolute, or relative to the sample's work folder; " +
          '{workdir} and {sample_id} are substituted',
      ),
    take: z
      .enum(['last', 'first', 'max', 'mean'])
      .default('last')
      .describe('which match counts when a pattern matches several times'),
  })
  .strict();

export type LogRegexParams = z.output<typeof paramsSchema>;

export const logRegexMeta: MetricMeta<LogRegexParams> = {
  name: 'log_regex',
  description: "Numbers extracted from the adapter's log (or another file) with regular expressions",
  params: paramsSchema,
  paths: (params) => Object.keys(params.patterns),
  // Log numbers go both ways (it/s up, seconds and memory down); the definition has no params to say which.
  higherIsBetter: () => undefined,
  readsPixels: false,
};
