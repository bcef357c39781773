#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { TEMPORALCI_VERSION } from '../runs/environment.js';
import { registerAnnotate } from './commands/annotate.js';
import { registerBadge } from './commands/badge.js';
import { registerCompare } from './commands/compare.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerInit } from './commands/init.js';
import { registerList } from './commands/list.js';
import { registerMeasure } from './commands/measure.js';
import { registerPrune } from './commands/prune.js';
import { registerRepairIndex } from './commands/repair-index.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerSprt } from './commands/sprt.js';
import { registerStatus } from './commands/status.js';
import { registerTag } from './commands/tag.js';
import { registerTrend } from './commands/trend.js';
import { registerValidate } from './commands/validate.js';
import { reportError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('temporalci')
    .description('CI gates for video-generation models, measured from the pixels of every generated video')
    .version(TEMPORALCI_VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  registerRun(program);
  registerValidate(program);
  registerList(program);
  registerInit(program);
  registerSchema(program);
  registerDoctor(program);
  registerTag(program);
  registerSprt(program);
  registerReport(program);
  registerTrend(program);
  registerCompare(program);
  registerStatus(program);
  registerHistory(program);
  registerExport(program);
  registerPrune(program);
  registerRepairIndex(program);
  registerAnnotate(program);
  registerBadge(program);
  registerMeasure(program);
  // Subcommands inherit the override, so usage errors reach the boundary below.
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; every usage error is a configuration error: exit 1.
      process.exitCode = e.exitCode === 0 ? 0 : 1;
      return;
    }
    process.exitCode = reportError(e);
  }
}

// Run only as the entry point (npx and npm bin links are symlinks, hence realpath), so that tools such as
// scripts/sync-readme.ts can import buildProgram() without starting the CLI.
const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) await main(process.argv);
