import { type Command, Option } from 'commander';

/**
 * One name per concept across commands (`--output` for a file a command writes, `--report-top` for the
 * samples report.html shows): an older name stays as a hidden alias, so scripts that use it keep working
 * while help and the README show only the canonical flag. The alias is parsed like the canonical flag
 * (same `parse`) and its value lands in the canonical option, so the action reads one key.
 */
export function addHiddenAlias(
  cmd: Command,
  flags: string,
  canonical: string,
  parse?: (value: string, previous: unknown) => unknown,
): Command {
  const alias = new Option(flags).hideHelp();
  if (parse !== undefined) alias.argParser(parse);
  cmd.addOption(alias);
  // Registered after commander's own listener for the alias, so the parsed value is already stored.
  cmd.on(`option:${alias.name()}`, () => {
    cmd.setOptionValueWithSource(canonical, cmd.getOptionValue(alias.attributeName()), 'cli');
  });
  return cmd;
}
