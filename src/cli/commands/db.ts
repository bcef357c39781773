import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { openDatabase } from '../../store/postgres/connection.js';
import { applyMigrations } from '../../store/postgres/migrations.js';
import { out, warn } from '../io.js';

/** `--database-url`, else TEMPORALCI_DATABASE_URL (which keeps the password out of `ps` and shell history). */
function databaseUrl(flag: string | undefined): string {
  const url = flag ?? process.env.TEMPORALCI_DATABASE_URL;
  if (!url) {
    throw new TemporalCIError('USAGE', 'no database URL given', {
      hint: 'set TEMPORALCI_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DATABASE, or pass --database-url',
    });
  }
  return url;
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('the fleet database (Postgres) that coordinators share');
  db.command('migrate')
    .description(
      'create or upgrade the TemporalCI tables; safe to run again, and from several machines at once',
    )
    .option(
      '--database-url <url>',
      'postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: $TEMPORALCI_DATABASE_URL)',
    )
    .action(async (flags: { databaseUrl?: string }) => {
      const database = await openDatabase(databaseUrl(flags.databaseUrl), { warn });
      try {
        const r = await applyMigrations(database);
        for (const m of r.applied) out(`applied migration ${m.version}: ${m.name}`);
        out(
          r.applied.length === 0
            ? `${database.shown}: schema version ${r.to}, up to date`
            : `${database.shown}: schema version ${r.from} -> ${r.to}`,
        );
      } finally {
        await database.close();
      }
    });
}
