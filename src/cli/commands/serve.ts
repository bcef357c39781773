import { serve } from '@hono/node-server';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { PostgresTokens } from '../../fleet/auth/postgres.js';
import { createCoordinatorApp } from '../../fleet/coordinator/app.js';
import { Dispatcher } from '../../fleet/coordinator/dispatch.js';
import { openDatabase } from '../../store/postgres/connection.js';
import { applyMigrations } from '../../store/postgres/migrations.js';
import { PostgresRunStore } from '../../store/postgres/store.js';
import { s3ConfigFromEnv } from '../../store/s3/config.js';
import { S3ArtifactStore } from '../../store/s3/store.js';
import { out, warn } from '../io.js';
import { positiveInt } from './options.js';

interface ServeFlags {
  port: number;
  host: string;
  databaseUrl?: string;
  redisUrl?: string;
  leaseSec?: number;
}

function required(flag: string | undefined, env: string, what: string, example: string): string {
  const v = flag ?? process.env[env];
  if (!v) throw new TemporalCIError('USAGE', `no ${what} given`, { hint: `set ${env}=${example}` });
  return v;
}

function leaseSeconds(flag: number | undefined): number {
  if (flag !== undefined) return flag;
  const env = process.env.TEMPORALCI_TASK_LEASE_SEC;
  if (env === undefined || env === '') return 300;
  if (!/^\d+$/.test(env) || Number(env) < 3) {
    throw new TemporalCIError('USAGE', `TEMPORALCI_TASK_LEASE_SEC="${env}" is not whole seconds >= 3`, {
      hint: 'a worker heartbeats at a third of it; default 300',
    });
  }
  return Number(env);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a fleet coordinator: the HTTP API that GPU workers and `run --coordinator-url` talk to')
    .option('--port <n>', 'TCP port', positiveInt, 8420)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--database-url <url>', 'Postgres (default: $TEMPORALCI_DATABASE_URL)')
    .option('--redis-url <url>', 'Redis for the job queue (default: $TEMPORALCI_REDIS_URL)')
    .option('--lease-sec <n>', 'job lease length (default: $TEMPORALCI_TASK_LEASE_SEC or 300)', positiveInt)
    .action(async (flags: ServeFlags) => {
      const databaseUrl = required(
        flags.databaseUrl,
        'TEMPORALCI_DATABASE_URL',
        'database URL',
        'postgres://USER:PASSWORD@HOST:PORT/DB',
      );
      const redisUrl = required(flags.redisUrl, 'TEMPORALCI_REDIS_URL', 'Redis URL', 'redis://HOST:6379/0');
      const s3 = s3ConfigFromEnv(process.env);
      if (s3 === null) {
        throw new TemporalCIError('USAGE', 'no S3 bucket configured for the fleet', {
          hint: 'set TEMPORALCI_S3_BUCKET (and TEMPORALCI_S3_ENDPOINT for MinIO/R2); credentials come from the AWS_* variables',
        });
      }
      const leaseSec = leaseSeconds(flags.leaseSec);
      const db = await openDatabase(databaseUrl, { warn });
      const artifacts = new S3ArtifactStore(s3);
      const migrated = await applyMigrations(db);
      for (const m of migrated.applied) out(`applied migration ${m.version}: ${m.name}`);
      await artifacts.check();
      const dispatcher = await Dispatcher.start({
        db,
        store: new PostgresRunStore(db, { warn }),
        artifacts,
        redisUrl,
        leaseSec,
        warn,
      });
      const app = createCoordinatorApp({
        dispatcher,
        db,
        artifacts,
        tokens: new PostgresTokens(db),
        warn,
      });
      const server = serve({ fetch: app.fetch, port: flags.port, hostname: flags.host });
      out(
        `temporalci coordinator listening on http://${flags.host}:${flags.port} (lease ${leaseSec} s, ${db.shown})`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
      artifacts.destroy();
      await db.close();
    });
}
