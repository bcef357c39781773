import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { CoordinatorClient } from '../../fleet/worker/client.js';
import { JobRunner } from '../../fleet/worker/execute.js';
import { runWorkerLoop } from '../../fleet/worker/loop.js';
import { runProcess } from '../../platform/process.js';
import { err, warn } from '../io.js';
import { collect, positiveNumber } from './options.js';

interface WorkerFlags {
  coordinatorUrl: string;
  token?: string;
  labels: string[];
  allowAdapters?: string;
  name?: string;
  cacheDir: string;
  exitWhenIdle?: number;
  onIdleExit?: string;
}

/** `--on-idle-exit`: the owner's command (e.g. `sudo poweroff`), run through the shell as they wrote it. */
async function runIdleExitCommand(command: string): Promise<void> {
  err(`idle: running --on-idle-exit`);
  const r = await runProcess('sh', ['-c', command]);
  if (r.code !== 0)
    throw new TemporalCIError('RUN_FAILED', `--on-idle-exit exited ${r.code}: ${r.stderrTail}`, {
      hint: 'run the command by hand to see why it fails',
    });
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
    .option(
      '--exit-when-idle <seconds>',
      'stop after this many seconds without a job (holding no lease, every result acknowledged)',
      positiveNumber,
    )
    .option('--on-idle-exit <command>', 'a shell command to run when --exit-when-idle stops the worker')
    .addHelpText(
      'after',
      '\nSIGTERM or SIGINT drains: the current job finishes and is recorded, then the worker exits; a second\n' +
        'signal stops the job now and hands its lease back to the coordinator.',
    )
    .action(async (flags: WorkerFlags) => {
      if (flags.onIdleExit !== undefined && flags.exitWhenIdle === undefined)
        throw new TemporalCIError('USAGE', '--on-idle-exit needs --exit-when-idle', {
          hint: 'e.g. --exit-when-idle 600 --on-idle-exit "sudo poweroff"',
        });
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
      const drain = new AbortController();
      const controller = new AbortController();
      const onSignal = () => {
        if (drain.signal.aborted) {
          err('stopping now: the current job is handed back');
          controller.abort();
        } else {
          err('draining: finishing the current job (signal again to stop now)');
          drain.abort();
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      err(`temporalci worker ${name} polling ${flags.coordinatorUrl}`);
      let end: Awaited<ReturnType<typeof runWorkerLoop>>;
      try {
        end = await runWorkerLoop({
          client: new CoordinatorClient(flags.coordinatorUrl, token),
          runner,
          name,
          labels: Object.fromEntries(
            flags.labels.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          ),
          allowAdapters: [...allow],
          signal: controller.signal,
          drain: drain.signal,
          ...(flags.exitWhenIdle === undefined ? {} : { exitWhenIdleS: flags.exitWhenIdle }),
          log: err,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await runner.close(warn);
      }
      err(`temporalci worker ${name}: ${end === 'idle' ? `idle for ${flags.exitWhenIdle} s` : end}, exiting`);
      if (end === 'idle' && flags.onIdleExit !== undefined) await runIdleExitCommand(flags.onIdleExit);
    });
}
