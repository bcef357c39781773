import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../support/cli.js';
import { requirePostgres } from '../support/services.js';

/** `temporalci db migrate` through the built CLI, as an operator runs it before starting coordinators. */

const postgres = requirePostgres();
const PASSWORD = 'Sup3r-Secret-pw';

/** The file's database URL with a password in it (the test server trusts any, so it still logs in). */
function urlWithPassword(): string {
  const url = new URL(postgres.url());
  url.password = PASSWORD;
  return url.toString();
}

describe.skipIf(!postgres.available)('temporalci db migrate', () => {
  it('creates the tables, then finds them up to date; never printing the password', async () => {
    const first = await runCli(['db', 'migrate', '--database-url', urlWithPassword()]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const shown = urlWithPassword().replace(`:${PASSWORD}`, '');
    expect(first.stdout).toBe(
      `applied migration 1: run store\napplied migration 2: api tokens\napplied migration 3: fleet dispatch\napplied migration 4: fleet workers\napplied migration 5: submit keys and drain\n${shown}: schema version 0 -> 5\n`,
    );
    // The URL from the environment, as a coordinator's deployment passes it.
    const again = await runCli(['db', 'migrate'], { env: { TEMPORALCI_DATABASE_URL: urlWithPassword() } });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${shown}: schema version 5, up to date\n`);
    for (const r of [first, again]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('exits 1 with a hint on a bad, unreachable or missing URL, never printing the password', async () => {
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['--database-url', `postgres://ci:${PASSWORD}@127.0.0.1:notaport/x`], {}, /not a valid URL/],
      [['--database-url', `http://ci:${PASSWORD}@127.0.0.1/x`], {}, /not postgres:\/\//],
      [
        ['--database-url', `postgres://ci:${PASSWORD}@127.0.0.1:1/x`],
        {},
        /cannot connect to Postgres at postgres:\/\/ci@127\.0\.0\.1:1\/x/,
      ],
      [[], { TEMPORALCI_DATABASE_URL: undefined }, /no database URL given/],
    ];
    for (const [flags, env, message] of cases) {
      const r = await runCli(['db', 'migrate', ...flags], { env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^hint: .+/m);
      expect(r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).not.toSatisfy(hasStackTrace);
    }
  });
});
