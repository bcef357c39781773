import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { ROLES } from '../../fleet/auth/port.js';
import { checkRole, PostgresTokens, type TokenInfo } from '../../fleet/auth/postgres.js';
import { looksLikeToken } from '../../fleet/auth/tokens.js';
import { databaseUrlFrom } from '../../fleet/config.js';
import { Database } from '../../store/postgres/connection.js';
import { requireSchema } from '../../store/postgres/migrations.js';
import { out, warn } from '../io.js';
import { printTable } from '../table.js';

/**
 * `temporalci tokens create|list|revoke`: the coordinator's API tokens, in the fleet database (the same
 * settings as `db migrate` and `serve`). A token is printed once, by `create`, alone on its last line so a
 * script can take it with `tail -n1`; nothing else ever shows it or its hash.
 */

const DATABASE_FLAG = [
  '--database-url <url>',
  'postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: $TEMPORALCI_DATABASE_URL)',
] as const;

async function withTokens<T>(
  flag: string | undefined,
  fn: (tokens: PostgresTokens) => Promise<T>,
): Promise<T> {
  const db = new Database(databaseUrlFrom(flag, process.env), warn);
  try {
    await db.ping();
    await requireSchema(db);
    return await fn(new PostgresTokens(db));
  } finally {
    await db.close();
  }
}

const when = (d: Date | null): string => (d === null ? '-' : d.toISOString().replace(/\.\d{3}Z$/, 'Z'));

function tableRows(rows: readonly TokenInfo[]): string[][] {
  return [
    ['ID', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'],
    ...rows.map((t) => [t.id, t.role, t.name, when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)]),
  ];
}

export function registerTokens(program: Command): void {
  const tokens = program
    .command('tokens')
    .description(
      'API tokens of the fleet coordinator (roles: submit, worker, admin), kept hashed in Postgres',
    );
  tokens
    .command('create')
    .description('create a token; it is printed once, alone on the last line, and stored only as its SHA-256')
    .requiredOption('--role <role>', `what the token may do: ${ROLES.join(' | ')}`)
    .requiredOption('--name <name>', 'who holds it (a CI pipeline, a GPU box), unique among live tokens')
    .option(...DATABASE_FLAG)
    .action(async (flags: { role: string; name: string; databaseUrl?: string }) => {
      const role = checkRole(flags.role);
      const issued = await withTokens(flags.databaseUrl, (t) => t.create(role, flags.name));
      out(`created ${role} token "${flags.name}" (id ${issued.id}); it is shown only this once:`);
      out(issued.token);
    });
  tokens
    .command('list')
    .description('list tokens: id, role, name, created, last used, revoked (never the token or its hash)')
    .option(...DATABASE_FLAG)
    .action(async (flags: { databaseUrl?: string }) => {
      const rows = await withTokens(flags.databaseUrl, (t) => t.list());
      if (rows.length === 0)
        out('no tokens; create one with: temporalci tokens create --role ROLE --name NAME');
      else printTable(tableRows(rows));
    });
  tokens
    .command('revoke')
    .description('revoke a live token by its id or name; it stops working at once on every coordinator')
    .argument('<id-or-name>', 'the token id or name shown by `tokens list` (or a leaked token itself)')
    .option(...DATABASE_FLAG)
    .action(async (idOrName: string, flags: { databaseUrl?: string }) => {
      const revoked = await withTokens(flags.databaseUrl, (t) => t.revoke(idOrName));
      // Given the secret itself (a leaked token), never repeat it.
      const shown = looksLikeToken(idOrName) ? 'the given token' : `"${idOrName}"`;
      if (!revoked) {
        throw new TemporalCIError('USAGE', `no live token matches ${shown} (unknown, or already revoked)`, {
          hint: 'see the ids and names with `temporalci tokens list`',
        });
      }
      out(`revoked ${shown}`);
    });
}
