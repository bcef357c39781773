import { z } from 'zod';
import { PLACEHOLDERS, unknownPlaceholders } from './command/template.js';
import type { AdapterMeta } from './types.js';

/**
 * The `command` adapter's params (strict). `argv` is a template: each element gets its placeholders
 * substituted and is passed as one argument (never split by a shell), unless `shell: true`, where argv is a
 * single string run with `/bin/sh -c` and every substituted value is shell-quoted.
 */
export const commandParamsSchema = z
  .strictObject({
    argv: z
      .array(z.string().min(1))
      .min(1)
      .describe(`command and arguments; placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`),
    shell: z.boolean().default(false).describe('run argv[0] with /bin/sh -c (argv must have one element)'),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .default({})
      .describe('extra environment variables; ${VAR} is taken from the environment of temporalci'),
    cwd: z.string().min(1).optional().describe('working directory, relative to the suite folder'),
    kill_grace_s: z.number().min(0).max(600).default(5).describe('seconds between SIGTERM and SIGKILL'),
    output_ext: z
      .string()
      .regex(/^\.[A-Za-z0-9]{1,8}$/, 'an extension such as ".mp4"')
      .default('.mp4')
      .describe('extension of the file the command writes at {output}'),
    refusal_exit_codes: z
      .array(z.int().min(1).max(255))
      .default([])
      .describe(
        'exit codes that mean "the model refused this prompt": not an error; the sample gets ' +
          'metadata.refused = true and a black placeholder video',
      ),
  })
  .superRefine((p, ctx) => {
    if (p.shell && p.argv.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['argv'],
        message: 'with shell: true, argv must be a single string (the shell command line)',
      });
    }
    p.argv.forEach((arg, i) => {
      for (const name of unknownPlaceholders(arg)) {
        ctx.addIssue({
          code: 'custom',
          path: ['argv', i],
          message: `unknown placeholder {${name}}; known: ${PLACEHOLDERS.join(', ')} (write {{ }} for literal braces)`,
        });
      }
    });
  });

export type CommandParams = z.output<typeof commandParamsSchema>;

export const commandAdapterMeta: AdapterMeta<CommandParams> = {
  name: 'command',
  description:
    'Runs a local command per sample (argv template with {prompt}, {seed}, {output}, …); logs kept per sample, ' +
    'process group killed on timeout.',
  params: commandParamsSchema,
};
