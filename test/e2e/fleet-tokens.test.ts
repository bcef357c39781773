import { afterAll, describe, expect, it } from 'vitest';
import { PostgresTokens } from '../../src/fleet/auth/postgres.js';
import { hashToken } from '../../src/fleet/auth/tokens.js';
import { type Database, openDatabase } from '../../src/store/postgres/connection.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { requirePostgres } from '../support/services.js';

/** `temporalci tokens create|list|revoke` through the built CLI on the test Postgres, as an operator runs it. */

const postgres = requirePostgres();
const PASSWORD = 'Sup3r-Secret-pw';
let db: Database | undefined;

afterAll(async () => {
  await db?.close();
});

/** The file's database URL with a password in it (the test server trusts any, so it still logs in). */
function urlWithPassword(): string {
  const url = new URL(postgres.url());
  url.password = PASSWORD;
  return url.toString();
}

const env = () => ({ TEMPORALCI_DATABASE_URL: urlWithPassword() });

describe.skipIf(!postgres.available)('temporalci tokens', () => {
  it('asks for `db migrate` on a database without the tables', async () => {
    const r = await runCli(['tokens', 'list'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/schema version 0; this TemporalCI needs/);
    expect(r.stderr).toMatch(/^hint: run `temporalci db migrate/m);
    expect(r.stderr).not.toContain(PASSWORD);
  });

  it('creates a token shown once, lists it without the secret, revokes it, and it stops verifying', async () => {
    expect((await runCli(['db', 'migrate'], { env: env() })).code).toBe(0);
    const created = await runCli(['tokens', 'create', '--role', 'worker', '--name', 'gpu-box-1'], {
      env: env(),
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const lines = created.stdout.trimEnd().split('\n');
    const token = lines[lines.length - 1]!;
    expect(token).toMatch(/^tci_[A-Za-z0-9_-]{43}$/);
    expect(lines[0]).toMatch(
      /^created worker token "gpu-box-1" \(id [0-9a-f-]{36}\); it is shown only this once:$/,
    );
    const id = /\(id ([0-9a-f-]{36})\)/.exec(lines[0]!)![1]!;

    db = await openDatabase(postgres.url(), { warn: (m) => expect.fail(m) });
    const tokens = new PostgresTokens(db);
    expect(await tokens.verify(token)).toEqual({ tokenId: id, name: 'gpu-box-1', role: 'worker' });

    // The database URL from the flag this time, as a one-off admin command passes it.
    await runCli([
      'tokens',
      'create',
      '--role',
      'submit',
      '--name',
      'ci-main',
      '--database-url',
      urlWithPassword(),
    ]);
    const listed = await runCli(['tokens', 'list'], { env: env() });
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID +ROLE +NAME +CREATED +LAST USED +REVOKED$/);
    expect(rows).toHaveLength(3);
    const row = rows.find((l) => l.startsWith(id))!;
    expect(row).toMatch(/^[0-9a-f-]{36} +worker +gpu-box-1 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d{4}-\S+Z +-$/);

    const revoked = await runCli(['tokens', 'revoke', 'gpu-box-1'], { env: env() });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe('revoked "gpu-box-1"\n');
    expect(await tokens.verify(token)).toBeNull();
    const again = await runCli(['tokens', 'revoke', id], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no live token matches "[0-9a-f-]{36}" \(unknown, or already revoked\)/);
    const after = await runCli(['tokens', 'list'], { env: env() });
    expect(after.stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/ \d{4}-\S+Z$/);

    // Revoking by the secret itself (a leaked token) works and does not print it.
    const submit = await runCli(['tokens', 'create', '--role', 'submit', '--name', 'leaky'], { env: env() });
    const leaked = submit.stdout.trimEnd().split('\n').pop()!;
    const byToken = await runCli(['tokens', 'revoke', leaked], { env: env() });
    expect(byToken.stdout).toBe('revoked the given token\n');
    expect(await tokens.verify(leaked)).toBeNull();

    for (const r of [listed, revoked, again, after, byToken]) {
      for (const secret of [token, hashToken(token), leaked, hashToken(leaked), PASSWORD]) {
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    }
  });

  it('exits 1 with the valid roles on a bad role, and on a duplicate live name', async () => {
    const bad = await runCli(['tokens', 'create', '--role', 'root', '--name', 'x'], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/"root" is not a token role/);
    expect(bad.stderr).toMatch(/^hint: use one of: submit, worker, admin$/m);
    await runCli(['tokens', 'create', '--role', 'admin', '--name', 'ops'], { env: env() });
    const dup = await runCli(['tokens', 'create', '--role', 'admin', '--name', 'ops'], { env: env() });
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('');
    expect(dup.stderr).toMatch(/a live token named "ops" already exists/);
  });

  it('exits 1 with a hint on a bad, unreachable or missing URL, never printing the password', async () => {
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['list', '--database-url', `postgres://ci:${PASSWORD}@127.0.0.1:notaport/x`], {}, /not a valid URL/],
      [
        ['create', '--role', 'submit', '--name', 'a'],
        { TEMPORALCI_DATABASE_URL: `http://ci:${PASSWORD}@h/x` },
        /not postgres:\/\//,
      ],
      [
        ['revoke', 'a', '--database-url', `postgres://ci:${PASSWORD}@127.0.0.1:1/x`],
        {},
        /cannot connect to Postgres at postgres:\/\/ci@127\.0\.0\.1:1\/x/,
      ],
      [['list'], { TEMPORALCI_DATABASE_URL: undefined }, /no --database-url given/],
    ];
    for (const [args, e, message] of cases) {
      const r = await runCli(['tokens', ...args], { env: e });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^hint: .+/m);
      expect(r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).not.toSatisfy(hasStackTrace);
    }
  });
});
