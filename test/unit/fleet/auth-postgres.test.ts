import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../../src/fleet/auth/port.js';
import { PostgresTokens } from '../../../src/fleet/auth/postgres.js';
import { hashToken, newToken } from '../../../src/fleet/auth/tokens.js';
import { type Database, openDatabase } from '../../../src/store/postgres/connection.js';
import { applyMigrations } from '../../../src/store/postgres/migrations.js';
import { requirePostgres } from '../../support/services.js';

/** PostgresTokens on the test Postgres (a database of this file's own, migrated once). */

const postgres = requirePostgres();
let db: Database;

beforeAll(async () => {
  if (!postgres.available) return;
  db = await openDatabase(postgres.url(), { warn: (m) => expect.fail(m) });
  await applyMigrations(db);
});
afterAll(async () => {
  await db?.close();
});

async function lastUsed(id: string): Promise<Date | null> {
  const r = await db.query<{ last_used_at: Date | null }>(
    'select last_used_at from api_tokens where id = $1',
    [id],
  );
  return r.rows[0]!.last_used_at;
}

describe.skipIf(!postgres.available)('PostgresTokens', () => {
  it('stores only the hash; verifies each role; lists without secrets', async () => {
    const tokens = new PostgresTokens(db);
    const issued = [];
    for (const role of ROLES) issued.push({ role, ...(await tokens.create(role, `pg-${role}`)) });
    for (const t of issued) {
      expect(await tokens.verify(t.token)).toEqual({ tokenId: t.id, name: `pg-${t.role}`, role: t.role });
    }
    const rows = await db.query('select * from api_tokens');
    const dump = JSON.stringify(rows.rows);
    for (const t of issued) {
      expect(dump).not.toContain(t.token);
      expect(dump).toContain(hashToken(t.token));
    }
    const listed = await tokens.list();
    expect(listed.map((t) => [t.name, t.role, t.revokedAt])).toEqual(
      expect.arrayContaining(issued.map((t) => [`pg-${t.role}`, t.role, null])),
    );
    expect(listed[0]).toEqual({
      id: expect.any(String),
      role: expect.any(String),
      name: expect.any(String),
      createdAt: expect.any(Date),
      lastUsedAt: expect.any(Date),
      revokedAt: null,
    });
    const text = JSON.stringify(listed);
    for (const t of issued) {
      expect(text).not.toContain(t.token);
      expect(text).not.toContain(hashToken(t.token));
    }
  });

  it('never verifies unknown, malformed or revoked tokens; revokes by id or by name, once', async () => {
    const tokens = new PostgresTokens(db);
    expect(await tokens.verify(newToken())).toBeNull();
    expect(await tokens.verify("tci_' or 1=1 --")).toBeNull();
    expect(await tokens.verify('')).toBeNull();
    const a = await tokens.create('worker', 'gpu-a');
    const b = await tokens.create('worker', 'gpu-b');
    expect(await tokens.revoke(a.id)).toBe(true);
    expect(await tokens.revoke(a.id)).toBe(false);
    expect(await tokens.revoke('gpu-b')).toBe(true);
    expect(await tokens.revoke('gpu-b')).toBe(false);
    expect(await tokens.revoke('no-such-token')).toBe(false);
    expect(await tokens.revoke('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(await tokens.verify(a.token)).toBeNull();
    expect(await tokens.verify(b.token)).toBeNull();
    // Another process (another coordinator replica) sees the revocation too.
    expect(await new PostgresTokens(db).verify(a.token)).toBeNull();
    const revoked = (await tokens.list()).filter((t) => t.name === 'gpu-a' || t.name === 'gpu-b');
    expect(revoked.every((t) => t.revokedAt instanceof Date)).toBe(true);
  });

  it('refuses a second live token of the same name, bad names and bad roles; a revoked name is reusable', async () => {
    const tokens = new PostgresTokens(db);
    await tokens.create('submit', 'ci-dup');
    await expect(tokens.create('submit', 'ci-dup')).rejects.toMatchObject({
      code: 'USAGE',
      message: 'a live token named "ci-dup" already exists',
    });
    expect(await tokens.revoke('ci-dup')).toBe(true);
    const again = await tokens.create('admin', 'ci-dup');
    expect((await tokens.verify(again.token))?.role).toBe('admin');
    for (const name of ['', ' ci', 'has space', 'x'.repeat(101), '8c1b8f5e-64b4-4c4e-9a52-3f0f1f0c9b11']) {
      await expect(tokens.create('submit', name), name).rejects.toMatchObject({ code: 'USAGE' });
    }
    await expect(tokens.create('root' as never, 'x')).rejects.toMatchObject({
      code: 'USAGE',
      hint: 'use one of: submit, worker, admin',
    });
  });

  it('writes last_used_at at most once a minute per token', async () => {
    let now = 5_000_000;
    const tokens = new PostgresTokens(db, () => now);
    const t = await tokens.create('worker', 'gpu-clock');
    expect(await lastUsed(t.id)).toBeNull();
    await tokens.verify(t.token);
    const first = await lastUsed(t.id);
    expect(first).toBeInstanceOf(Date);
    // Pretend the stamp is old: within the minute this process still does not write it again.
    await db.query(`update api_tokens set last_used_at = now() - interval '1 hour' where id = $1`, [t.id]);
    const old = await lastUsed(t.id);
    now += 59_000;
    await tokens.verify(t.token);
    expect(await lastUsed(t.id)).toEqual(old);
    now += 2_000;
    await tokens.verify(t.token);
    expect((await lastUsed(t.id))!.getTime()).toBeGreaterThan(old!.getTime());
  });
});
