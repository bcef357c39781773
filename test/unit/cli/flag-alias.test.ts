import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';

/**
 * One name per concept across commands: `--output` for a file a command writes, `--report-top` for the
 * samples report.html shows. The earlier names still work, are parsed the same way and land in the same
 * option, and are left out of help (and so of the README's CLI reference).
 */
async function command(...path: string[]): Promise<Command> {
  let cmd: Command = await buildProgram();
  for (const name of path) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (next === undefined) throw new Error(`no command ${path.join(' ')}`);
    cmd = next;
  }
  return cmd;
}

/** The options the command ends up with for `args` (its action is not run). */
async function parsed(path: string[], args: string[]): Promise<Record<string, unknown>> {
  const cmd = await command(...path);
  const { unknown } = cmd.parseOptions(args);
  expect(unknown).toEqual([]);
  return cmd.opts();
}

describe.each([
  { path: ['report'], canonical: '--report-top', alias: '--top', key: 'reportTop', value: '3', expected: 3 },
  {
    path: ['sprt', 'apply'],
    canonical: '--output',
    alias: '--out',
    key: 'output',
    value: 'a.yaml',
    expected: 'a.yaml',
  },
])(
  '$path.0 $path.1: $canonical, with $alias as a hidden alias',
  ({ path, canonical, alias, key, value, expected }) => {
    it('takes both names into the same option', async () => {
      expect((await parsed(path, [canonical, value]))[key]).toEqual(expected);
      expect((await parsed(path, [alias, value]))[key]).toEqual(expected);
    });

    it('shows only the canonical name in help', async () => {
      const help = (await command(...path)).helpInformation();
      expect(help).toContain(`${canonical} <`);
      expect(help).not.toMatch(new RegExp(`${alias} <`));
    });
  },
);

describe('a hidden alias', () => {
  it('is parsed as the canonical flag is (a bad count is refused under either name)', async () => {
    for (const flag of ['--report-top', '--top']) {
      const cmd = await command('report');
      cmd.exitOverride().configureOutput({ writeErr: () => {} });
      expect(() => cmd.parseOptions([flag, '0'])).toThrow();
    }
  });

  it('keeps the default when not given', async () => {
    expect(await parsed(['report'], [])).toMatchObject({ reportTop: 6 });
  });
});
