import { createHash } from 'node:crypto';
import type pg from 'pg';
import { TemporalCIError } from '../../errors.js';
import type { Database } from './connection.js';
import { RUN_STORE_V1 } from './schema-v1.js';
import { API_TOKENS_V2 } from './schema-v2-tokens.js';
import { FLEET_DISPATCH_V3 } from './schema-v3-fleet.js';
import { FLEET_WORKERS_V4 } from './schema-v4-workers.js';
import { FLEET_SUBMIT_KEYS_V5 } from './schema-v5-submit-keys.js';

/**
 * Versioned schema migrations, applied in order and recorded in `schema_migrations` (version, name,
 * checksum, applied_at). The rule: a released migration is never edited, only followed by a new one; the
 * recorded checksum catches an edit. `applyMigrations` runs every pending migration in ONE transaction that
 * first takes a transaction-scoped advisory lock, so coordinators starting at once apply each migration
 * exactly once (the second waits, then finds nothing to do), and a failing migration leaves the schema as
 * it was. A migration therefore cannot use statements that refuse a transaction (CREATE INDEX
 * CONCURRENTLY); none needs one while the tables are small enough to lock briefly.
 */

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'run store', sql: RUN_STORE_V1 },
  { version: 2, name: 'api tokens', sql: API_TOKENS_V2 },
  { version: 3, name: 'fleet dispatch', sql: FLEET_DISPATCH_V3 },
  { version: 4, name: 'fleet workers', sql: FLEET_WORKERS_V4 },
  { version: 5, name: 'submit keys and drain', sql: FLEET_SUBMIT_KEYS_V5 },
];

/** The schema version this build reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const checksum = (m: Migration): string => createHash('sha256').update(m.sql).digest('hex');

const CREATE_LEDGER = `
create table if not exists schema_migrations (
  version integer primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now()
)`;

export interface MigrationResult {
  /** The schema version before (0: no TemporalCI tables yet) and after. */
  from: number;
  to: number;
  applied: { version: number; name: string }[];
}

interface LedgerRow {
  version: number;
  name: string;
  checksum: string;
}

async function ledger(client: pg.PoolClient): Promise<LedgerRow[]> {
  const r = await client.query<LedgerRow>(
    'select version, name, checksum from schema_migrations order by version',
  );
  return r.rows;
}

/** Refuses a database migrated by a newer version, or one whose applied migrations differ from ours. */
function checkLedger(rows: readonly LedgerRow[], where: string): void {
  for (const row of rows) {
    const ours = MIGRATIONS.find((m) => m.version === row.version);
    if (!ours) {
      throw new TemporalCIError(
        'DATABASE_SCHEMA',
        `${where} has schema version ${row.version} (${row.name}), newer than this TemporalCI knows (${SCHEMA_VERSION})`,
        { hint: 'upgrade temporalci on this machine to the version the coordinator runs' },
      );
    }
    if (row.checksum !== checksum(ours)) {
      throw new TemporalCIError(
        'DATABASE_SCHEMA',
        `${where}: migration ${row.version} (${row.name}) was applied from a different text than this version's`,
        {
          hint: 'a released migration was edited; restore it and put the change in a new migration (see docs/architecture.md)',
        },
      );
    }
  }
}

export async function applyMigrations(db: Database): Promise<MigrationResult> {
  return db.transaction(async (client) => {
    // Serialises appliers; released by commit or rollback, so a killed applier never leaves it held.
    await client.query(`select pg_advisory_xact_lock(hashtextextended('temporalci:schema_migrations', 0))`);
    await client.query(CREATE_LEDGER);
    const rows = await ledger(client);
    checkLedger(rows, db.shown);
    const done = new Set(rows.map((r) => r.version));
    const from = rows.length ? Math.max(...done) : 0;
    const applied: MigrationResult['applied'] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        m.version,
        m.name,
        checksum(m),
      ]);
      applied.push({ version: m.version, name: m.name });
    }
    return { from, to: SCHEMA_VERSION, applied };
  });
}

/** Fails unless the database is at exactly this build's schema version: what a store checks on opening. */
export async function requireSchema(db: Database): Promise<void> {
  const exists = await db.query<{ present: boolean }>(
    `select to_regclass('schema_migrations') is not null as present`,
  );
  const rows = exists.rows[0]?.present
    ? (await db.query<LedgerRow>('select version, name, checksum from schema_migrations order by version'))
        .rows
    : [];
  checkLedger(rows, db.shown);
  const current = rows.length ? Math.max(...rows.map((r) => r.version)) : 0;
  if (current < SCHEMA_VERSION) {
    throw new TemporalCIError(
      'DATABASE_SCHEMA',
      `${db.shown} has schema version ${current}; this TemporalCI needs ${SCHEMA_VERSION}`,
      { hint: 'run `temporalci db migrate --database-url URL` (or set TEMPORALCI_DATABASE_URL)' },
    );
  }
}
