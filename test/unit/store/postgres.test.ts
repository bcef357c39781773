import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalCIError } from '../../../src/errors.js';
import { Database, openDatabase, parseDatabaseUrl } from '../../../src/store/postgres/connection.js';
import { applyMigrations, requireSchema, SCHEMA_VERSION } from '../../../src/store/postgres/migrations.js';
import { PostgresRunStore } from '../../../src/store/postgres/store.js';
import { REPO_ROOT } from '../../support/cli.js';
import { PASSWORD_ROLE, requirePostgres } from '../../support/services.js';
import { MODEL, record, runId } from './fixtures.js';

/**
 * What the shared contract (contract.test.ts) cannot show about the Postgres store: its schema migrations,
 * its connection errors, and its behaviour with several processes on one database. The tests run in order
 * on one database per file: the first ones see it empty.
 */

const postgres = requirePostgres();
const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);
const opened: Database[] = [];

function database(url = postgres.url()): Database {
  const db = new Database(parseDatabaseUrl(url), warn);
  opened.push(db);
  return db;
}

async function failure(p: Promise<unknown>): Promise<TemporalCIError> {
  try {
    await p;
  } catch (e) {
    return e as TemporalCIError;
  }
  throw new Error('expected a failure, it resolved');
}

/** Another process on the same database (test/support/pg-child.ts). */
function child(args: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; err: string }> } {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'test/support/pg-child.ts'), ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; err: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, err })),
  );
  return { proc, done };
}

function printed(proc: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    proc.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(line)) resolve();
    });
    proc.once('close', (code) => reject(new Error(`child exited with ${code} before printing "${line}"`)));
  });
}

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
});

describe.skipIf(!postgres.available)('PostgresRunStore on a real Postgres', () => {
  describe('before any migration', () => {
    it('says the tables are missing and how to create them', async () => {
      const db = database();
      const e = await failure(requireSchema(db));
      expect(e.code).toBe('DATABASE_SCHEMA');
      expect(e.message).toContain(`schema version 0; this TemporalCI needs ${SCHEMA_VERSION}`);
      expect(e.hint).toContain('temporalci db migrate');
      const store = new PostgresRunStore(db, { warn });
      const read = await failure(store.readRun({ ...MODEL, runId: runId(1) }));
      expect(read.code).toBe('DATABASE_SCHEMA');
      expect(read.hint).toContain('temporalci db migrate');
    });
  });

  describe('migrations', () => {
    it('applies each migration once when several coordinators start at once, and records it', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(database())));
      expect(results.filter((r) => r.applied.length > 0)).toEqual([
        {
          from: 0,
          to: SCHEMA_VERSION,
          applied: [
            { version: 1, name: 'run store' },
            { version: 2, name: 'api tokens' },
            { version: 3, name: 'fleet dispatch' },
            { version: 4, name: 'fleet workers' },
            { version: 5, name: 'submit keys and drain' },
          ],
        },
      ]);
      for (const r of results.filter((x) => x.applied.length === 0)) expect(r.from).toBe(SCHEMA_VERSION);
      const db = database();
      const rows = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
        'select version, name, checksum, applied_at from schema_migrations order by version',
      );
      expect(rows.rows.map((r) => [r.version, r.name])).toEqual([
        [1, 'run store'],
        [2, 'api tokens'],
        [3, 'fleet dispatch'],
        [4, 'fleet workers'],
        [5, 'submit keys and drain'],
      ]);
      expect(rows.rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(rows.rows[0]?.applied_at).toBeInstanceOf(Date);
      await requireSchema(db);
    });

    it('is idempotent: applying again changes nothing', async () => {
      const db = database();
      await new PostgresRunStore(db, { warn }).commitRun(record(runId(1), 'PASS', [1]));
      expect(await applyMigrations(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
      const count = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
      expect(count.rows[0]?.n).toBe(SCHEMA_VERSION); // versions run 1..N
      expect(await new PostgresRunStore(db, { warn }).index(MODEL)).toHaveLength(1);
      await db.query('truncate runs cascade');
    });

    it('refuses a database migrated by a newer version, or from an edited migration', async () => {
      const db = database();
      await db.query(
        `insert into schema_migrations (version, name, checksum) values (999, 'from the future', 'x')`,
      );
      try {
        for (const check of [applyMigrations, requireSchema]) {
          const e = await failure(check(db));
          expect(e.code).toBe('DATABASE_SCHEMA');
          expect(e.message).toContain(
            'schema version 999 (from the future), newer than this TemporalCI knows',
          );
          expect(e.hint).toMatch(/upgrade temporalci/);
        }
      } finally {
        await db.query('delete from schema_migrations where version = 999');
      }
      const { rows } = await db.query<{ checksum: string }>(
        'select checksum from schema_migrations where version = 1',
      );
      await db.query(`update schema_migrations set checksum = 'edited' where version = 1`);
      try {
        const e = await failure(applyMigrations(db));
        expect(e.message).toContain('migration 1 (run store) was applied from a different text');
      } finally {
        await db.query('update schema_migrations set checksum = $1 where version = 1', [rows[0]?.checksum]);
      }
      await requireSchema(db);
    });
  });

  describe('records', () => {
    it('keeps a record holding a NUL character (which jsonb refuses) as U+FFFD, and the text "\\u0000" as is', async () => {
      const db = database();
      await applyMigrations(db); // done by the tests above; again here so that this one runs alone too
      const store = new PostgresRunStore(db, { warn });
      const rec = {
        ...record(runId(1), 'PASS', [1]),
        note: 'log tail: a\u0000b, literally \\u0000 and \\\u0000',
      };
      await store.commitRun(rec);
      expect((await store.readRun({ ...MODEL, runId: runId(1) })).note).toBe(
        'log tail: a\ufffdb, literally \\u0000 and \\\ufffd',
      );
      await db.query('truncate runs cascade');
    });
  });

  describe('connection errors', () => {
    it('shows the URL without its password, and a hint', async () => {
      const parsed = parseDatabaseUrl('postgresql://ci:p%40ss-w0rd@db.internal:6543/tci?sslmode=require');
      expect(parsed.shown).toBe('postgresql://ci@db.internal:6543/tci');
      expect(parsed.password).toBe('p@ss-w0rd');
      expect(parseDatabaseUrl('postgres:///tci?host=/run/postgresql&password=hunter22').shown).toBe(
        'postgres:///tci?host=%2Frun%2Fpostgresql',
      );
      for (const bad of [
        'db.internal:5432/tci',
        'mysql://u:hunter22@h/db',
        'postgres://u:hunter22@h:port/db',
      ]) {
        const e = await failure(Promise.resolve().then(() => parseDatabaseUrl(bad)));
        expect(e.code).toBe('USAGE');
        expect(`${e.message} ${e.hint}`).not.toContain('hunter22');
        expect(e.hint).toContain('postgres://USER:PASSWORD@HOST:PORT/DATABASE');
      }
    });

    it('says when the server is not there, or the database does not exist', async () => {
      const closed = await failure(openDatabase('postgres://tci:hunter22@127.0.0.1:1/tci', { warn }));
      expect(closed.code).toBe('DATABASE_UNAVAILABLE');
      expect(closed.message).toBe(
        'cannot connect to Postgres at postgres://tci@127.0.0.1:1/tci: connect ECONNREFUSED 127.0.0.1:1',
      );
      const url = new URL(postgres.url());
      url.password = 'hunter22';
      url.pathname = '/no_such_database';
      const missing = await failure(openDatabase(url.toString(), { warn }));
      expect(missing.code).toBe('DATABASE_UNAVAILABLE');
      expect(missing.message).toContain('database "no_such_database" does not exist');
      expect(missing.hint).toContain('create the database first');
      for (const e of [closed, missing]) expect(`${e.message} ${e.hint}`).not.toContain('hunter22');
    });

    it('says when the server refuses the login, with or without a password, never showing it', async (ctx) => {
      const db = database();
      await db.query(`drop role if exists ${PASSWORD_ROLE}`);
      await db.query(`create role ${PASSWORD_ROLE} login password 'right-pw-123'`);
      const as = (password: string) => {
        const url = new URL(postgres.url());
        url.username = PASSWORD_ROLE;
        url.password = password;
        return openDatabase(url.toString(), { warn }).then(
          (ok) => ok.close().then(() => null),
          (e: unknown) => e as TemporalCIError,
        );
      };
      const wrong = await as('wrong-pw-456');
      // A server of your own (TEMPORALCI_TEST_PG) may trust every login; the test cluster asks this role.
      if (wrong === null) return ctx.skip('this Postgres lets the role in without checking its password');
      expect(wrong.code).toBe('DATABASE_UNAVAILABLE');
      expect(wrong.message).toContain(
        `refused the login: password authentication failed for user "${PASSWORD_ROLE}"`,
      );
      expect(wrong.hint).toBe(
        'check the user and password in the database URL (the password is never printed)',
      );
      expect(`${wrong.message} ${wrong.hint}`).not.toContain('wrong-pw-456');
      const none = await as('');
      expect(none?.code).toBe('DATABASE_UNAVAILABLE');
      expect(none?.message).toMatch(/refused the login: .*password/);
    });

    it('describes and locates runs by a URL without the password', () => {
      const url = new URL(postgres.url());
      url.password = 'hunter22';
      const store = new PostgresRunStore(database(url.toString()), { warn });
      const where = store.locate({ ...MODEL, runId: runId(1) });
      expect(where).toBe(`postgres://postgres@${url.host}${url.pathname}#p/s/m/${runId(1)}`);
      expect(store.describe(MODEL)).toBe(`postgres://postgres@${url.host}${url.pathname}#p/s/m`);
    });
  });

  describe('several processes on one database', () => {
    let db: Database;
    let store: PostgresRunStore;
    beforeAll(() => {
      db = database();
      store = new PostgresRunStore(db, { warn });
    });

    it('refuses a second holder of a run lock, and frees it when the holder is killed', async () => {
      const holder = child(['lock', postgres.url(), runId(7)]);
      await printed(holder.proc, 'locked');
      const refused = await failure(store.lockRun({ ...MODEL, runId: runId(7) }));
      expect(refused.code).toBe('RUN_LOCKED');
      expect(refused.message).toMatch(
        new RegExp(`^run ${runId(7)} is locked by pid ${holder.proc.pid} on ${os.hostname()} since \\d{4}-`),
      );
      holder.proc.kill('SIGKILL');
      await holder.done;
      // Postgres ends the dead process's session, and its advisory lock with it, without any stale period.
      let lock = null;
      for (let i = 0; i < 200 && lock === null; i++) {
        lock = await store.lockRun({ ...MODEL, runId: runId(7) }).catch((e: TemporalCIError) => {
          if (e.code !== 'RUN_LOCKED') throw e;
          return null;
        });
        if (lock === null) await delay(50);
      }
      expect(lock?.holder).toMatch(new RegExp(`^pid ${process.pid} on `));
      // The dead holder's row was replaced: a third session is told who holds the lock now.
      const third = await failure(store.lockRun({ ...MODEL, runId: runId(7) }));
      expect(third.message).toContain(`locked by pid ${process.pid} on ${os.hostname()}`);
      await lock?.release();
      const again = await store.lockRun({ ...MODEL, runId: runId(7) });
      await again.release();
    });

    it('loses no run when several processes commit at once', async () => {
      const children = [0, 1, 2, 3].map((i) => child(['commit', postgres.url(), String(100 + i * 25), '25']));
      // This process commits too, replacing runs the children write meanwhile.
      const own = Promise.all(
        Array.from({ length: 25 }, (_, i) => store.commitRun(record(runId(100 + i * 4), 'FAIL', [0]))),
      );
      const exits = await Promise.all(children.map((c) => c.done));
      await own;
      for (const e of exits) expect(e, e.err).toMatchObject({ code: 0 });
      const index = await store.index(MODEL);
      expect(index.map((e) => e.run_id)).toEqual(Array.from({ length: 100 }, (_, i) => runId(100 + i)));
      // Each run is there once, whole: its record and its entry agree, whoever wrote last.
      for (const entry of index) {
        const rec = await store.readRun({ ...MODEL, runId: entry.run_id });
        expect(rec.status).toBe(entry.status);
      }
    });
  });
});
