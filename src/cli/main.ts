#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { TEMPORALCI_VERSION } from '../platform/version.js';

type Register = (program: Command) => void;

// Node >= 22.1 keeps compiled code on disk between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it off); the
// commands are imported after this line, so they profit. Node 20 has no such API: nothing happens there.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/**
 * Every command, loaded only when it runs: `temporalci run` never loads the report renderers, and
 * `--version` loads no command at all. Help and unknown commands (for "did you mean") load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  list: async () => (await import('./commands/list.js')).registerList,
  init: async () => (await import('./commands/init.js')).registerInit,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  tag: async () => (await import('./commands/tag.js')).registerTag,
  sprt: async () => (await import('./commands/sprt.js')).registerSprt,
  report: async () => (await import('./commands/report.js')).registerReport,
  trend: async () => (await import('./commands/trend.js')).registerTrend,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  status: async () => (await import('./commands/status.js')).registerStatus,
  history: async () => (await import('./commands/history.js')).registerHistory,
  export: async () => (await import('./commands/export.js')).registerExport,
  prune: async () => (await import('./commands/prune.js')).registerPrune,
  'repair-index': async () => (await import('./commands/repair-index.js')).registerRepairIndex,
  annotate: async () => (await import('./commands/annotate.js')).registerAnnotate,
  badge: async () => (await import('./commands/badge.js')).registerBadge,
  'pr-comment': async () => (await import('./commands/pr-comment.js')).registerPrComment,
  measure: async () => (await import('./commands/measure.js')).registerMeasure,
  db: async () => (await import('./commands/db.js')).registerDb,
  tokens: async () => (await import('./commands/tokens.js')).registerTokens,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  'metrics-show': async () => (await import('./commands/metrics-show.js')).registerMetricsShow,
  summary: async () => (await import('./commands/summary.js')).registerSummary,
  'tune-gates': async () => (await import('./commands/tune-gates.js')).registerTuneGates,
  alert: async () => (await import('./commands/alert.js')).registerAlert,
  view: async () => (await import('./commands/view.js')).registerView,
  pull: async () => (await import('./commands/pull.js')).registerPull,
  workers: async () => (await import('./commands/workers.js')).registerWorkers,
  soak: async () => (await import('./commands/soak.js')).registerSoak,
};

/** The command named on the line, '' for none (`--version`), undefined when every command is needed. */
function commandOf(argv: readonly string[]): string | undefined {
  const first = argv[2];
  if (first === '--version' || first === '-V') return '';
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('temporalci')
    .description('CI gates for video-generation models, measured from the pixels of every generated video')
    .version(TEMPORALCI_VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  const names = only === undefined ? Object.keys(COMMANDS) : only === '' ? [] : [only];
  for (const name of names) (await COMMANDS[name]!())(program);
  // Subcommands inherit the override, so usage errors reach the boundary below.
  for (const c of program.commands) c.exitOverride();
  return program;
}

/**
 * `temporalci history | head -1`: once the reader has gone, stdout writes fail with EPIPE. That is the
 * reader's choice, not an error: stop quietly (as `cat` does) instead of crashing with a stack trace.
 */
function exitQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

async function main(argv: string[]): Promise<void> {
  exitQuietlyOnBrokenPipe();
  try {
    await (await buildProgram(commandOf(argv))).parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; every usage error is a configuration error: exit 1.
      process.exitCode = e.exitCode === 0 ? 0 : 1;
      return;
    }
    // Loaded only on an error: the report needs the suite issue formatter (yaml, zod), which
    // `--version` and commands that succeed must not pay for.
    const { reportError } = await import('./io.js');
    process.exitCode = reportError(e);
  }
}

// Run only as the entry point (npx and npm bin links are symlinks, hence realpath), so that tools such as
// scripts/sync-readme.ts can import buildProgram() without starting the CLI.
const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) await main(process.argv);
