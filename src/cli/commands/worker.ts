import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { CoordinatorClient } from '../../fleet/worker/client.js';
import { JobRunner } from '../../fleet/worker/execute.js';
import { runWorkerLoop } from '../../fleet/worker/loop.js';
import { err, warn } from '../io.js';
import { collect } from './options.js';

interface WorkerFlags {
  coordinatorUrl: string;
  token?: string;
  labels: string[];
  allowAdapters?: string;
  name?: string;
  cacheDir: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run sample jobs of a fleet coordinator on this machine (one job at a time)')
    .requiredOption('--coordinator-url <url>', 'the coordinator of `temporalci serve`')
    .option('--token <token>', 'a worker token (default: $TEMPORALCI_TOKEN)')
    .option('--labels <k=v>', 'labels of this worker, e.g. gpu=a100 (repeatable)', collect, [])
    .option(
      '--allow-adapters <names>',
      'adapters that run submitted code this worker may run: command, ./my-adapter.js',
    )
    .option('--name <name>', 'the name this worker has in the coordinator events (default: HOST:PID)')
    .option(
      '--cache-dir <dir>',
      'where suite bundles are cached',
      path.join(os.tmpdir(), 'temporalci-worker'),
    )
    .action(async (flags: WorkerFlags) => {
      const token = flags.token ?? process.env.TEMPORALCI_TOKEN;
      if (!token) {
        throw new TemporalCIError('USAGE', 'the worker needs a worker token', {
          hint: 'pass --token, or set TEMPORALCI_TOKEN (which keeps it out of `ps` and shell history)',
        });
      }
      for (const l of flags.labels) {
        if (!/^[^=]+=.+$/.test(l))
          throw new TemporalCIError('USAGE', `--labels ${l} is not k=v`, { hint: 'e.g. --labels gpu=a100' });
      }
      const allow = new Set(
        (flags.allowAdapters ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      const runner = new JobRunner(flags.cacheDir, allow);
      const name = flags.name ?? `${os.hostname()}:${process.pid}`;
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      err(`temporalci worker ${name} polling ${flags.coordinatorUrl}`);
      try {
        await runWorkerLoop({
          client: new CoordinatorClient(flags.coordinatorUrl, token),
          runner,
          name,
          labels: Object.fromEntries(
            flags.labels.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          ),
          signal: controller.signal,
          log: err,
        });
      } finally {
        await runner.close(warn);
      }
    });
}
