import { realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { err, out, warn } from '../io.js';

/**
 * `temporalci soak` and its controls. The supervisor runs cycles as children of the CLI this very process
 * was started from (its realpath), so a soak and its cycles always run the same TemporalCI.
 */

interface ConfigFlag {
  config?: string;
}

/**
 * `--config` of a subcommand, or the same flag the parent `soak` took: commander gives a parent's option to
 * the parent wherever it stands on the line, so `soak status --config F` arrives there.
 */
async function config(flags: ConfigFlag, self: Command, env?: NodeJS.ProcessEnv) {
  const file = flags.config ?? (self.parent?.opts() as ConfigFlag | undefined)?.config;
  if (file === undefined) self.error("error: required option '--config <file>' not specified");
  const { loadSoakConfig } = await import('../../soak/config.js');
  return loadSoakConfig(file, env);
}

const CONFIG_HELP = 'the soak YAML (README "Soak runs")';

export function registerSoak(program: Command): void {
  const soak = program
    .command('soak')
    .description('run suites on a schedule for hours or days, checking each cycle comes out as expected')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags: ConfigFlag, self: Command) => {
      const { supervise } = await import('../../soak/supervisor.js');
      process.exitCode = await supervise(await config(flags, self, process.env), {
        cli: realpathSync(process.argv[1]!),
        log: err,
        warn,
      });
    });

  soak
    .command('status')
    .description('is the soak healthy? exit 0 healthy, 1 not')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the status as JSON')
    .action(async (flags: ConfigFlag & { json?: boolean }, self: Command) => {
      const { soakStatus } = await import('../../soak/control.js');
      const r = await soakStatus(await config(flags, self));
      if (flags.json) out(JSON.stringify(r, null, 2));
      else {
        out(`${r.healthy ? 'healthy' : 'NOT healthy'}: ${r.reason}`);
        for (const j of r.status?.jobs ?? []) {
          const now = j.current
            ? `, cycle ${j.current.cycle} running (${j.current.samples_done} samples done)`
            : '';
          out(
            `  ${j.name}: ${j.cycles_done} cycles, last ${j.last_outcomes.slice(-3).join(' ') || 'none'}${now}`,
          );
        }
      }
      if (!r.healthy) process.exitCode = 1;
    });

  soak
    .command('stop')
    .description('SIGTERM the verified supervisor and wait until it has stopped (idempotent)')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags: ConfigFlag, self: Command) => {
      const { soakStop } = await import('../../soak/control.js');
      out((await soakStop(await config(flags, self))).message);
    });

  soak
    .command('repair')
    .description('clean up after a supervisor that verifiably died: stop its cycle, remove the lock')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags: ConfigFlag, self: Command) => {
      const { soakRepair } = await import('../../soak/control.js');
      const r = await soakRepair(await config(flags, self));
      for (const pid of r.stoppedChildren) out(`stopped the orphaned cycle (process group ${pid})`);
      out(r.message);
    });

  soak
    .command('summary')
    .description('write summary.json and summary.md into the state folder and print the Markdown')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the JSON instead of the Markdown')
    .action(async (flags: ConfigFlag & { json?: boolean }, self: Command) => {
      const { writeSummary, summaryMarkdown } = await import('../../soak/summary.js');
      const s = await writeSummary((await config(flags, self)).stateDir);
      out(flags.json ? JSON.stringify(s, null, 2) : summaryMarkdown(s));
    });
}
