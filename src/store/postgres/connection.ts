import pg from 'pg';
import { describeError, TemporalCIError } from '../../errors.js';
import type { Warn } from '../types.js';

/**
 * The fleet database: one connection pool per process, opened from a `postgres://` URL (`--database-url`
 * or TEMPORALCI_DATABASE_URL). The URL's password never leaves this file: messages, `describe()` and
 * `locate()` show the URL rebuilt from its user, host, port and database only, and driver messages are
 * scrubbed of the password before they are wrapped.
 */

const URL_HINT =
  'write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode "@", ":" and "/" in the password)';

export interface DatabaseUrl {
  /** The URL as given, for the driver only. */
  readonly connectionString: string;
  /** The URL without its password or query, for messages. */
  readonly shown: string;
  readonly password: string;
}

/** Checks the URL's shape; a bad one is a USAGE error that does not repeat it (it may hold a password). */
export function parseDatabaseUrl(text: string): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TemporalCIError('USAGE', 'the database URL is not a valid URL', { hint: URL_HINT });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TemporalCIError(
      'USAGE',
      `the database URL starts with "${url.protocol}//", not postgres:// or postgresql://`,
      { hint: URL_HINT },
    );
  }
  const socketDir = url.searchParams.get('host');
  if (url.hostname === '' && !socketDir) {
    throw new TemporalCIError('USAGE', 'the database URL names no host', { hint: URL_HINT });
  }
  const user = url.username ? `${url.username}@` : '';
  const port = url.port ? `:${url.port}` : '';
  const socket = socketDir ? `?host=${encodeURIComponent(socketDir)}` : '';
  return {
    connectionString: text,
    shown: `${url.protocol}//${user}${url.hostname}${port}${url.pathname}${socket}`,
    password: decodeURIComponent(url.password) || (url.searchParams.get('password') ?? ''),
  };
}

/** Socket-level failures: the server is down, unreachable or went away. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down)
  '57P01',
  '57P02',
  '57P03',
]);
/** invalid_password, invalid_authorization_specification. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

export class Database {
  readonly pool: pg.Pool;
  readonly shown: string;
  private readonly password: string;

  constructor(
    url: DatabaseUrl,
    private readonly warn: Warn,
  ) {
    this.shown = url.shown;
    this.password = url.password;
    this.pool = new pg.Pool({
      connectionString: url.connectionString,
      application_name: 'temporalci',
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // An idle client whose connection drops emits here; unhandled, it would end the process.
    this.pool.on('error', (e) =>
      this.warn(`a Postgres connection to ${this.shown} dropped: ${this.scrub(e)}`),
    );
  }

  /**
   * A connection of its own, outside the pool: what a session-scoped lock needs, since a pooled client is
   * handed to other callers between queries.
   */
  async dedicatedClient(
    applicationName: string,
    onLost: (e: unknown) => void = (e) =>
      this.warn(`a Postgres connection to ${this.shown} dropped: ${this.scrub(e)}`),
  ): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.pool.options.connectionString,
      application_name: applicationName,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // Unhandled, an error event on a dropped connection would end the process.
    client.on('error', onLost);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined); // it never connected: nothing to close cleanly
      throw this.fail(e);
    }
    return client;
  }

  /** Runs one statement on the pool, with driver errors turned into TemporalCIErrors where a user can act. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Runs `fn` in one transaction on one pooled client: committed when it returns, rolled back when it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.fail(e);
    }
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch(() => undefined); // the connection may be gone; the server rolls back
      throw this.fail(e);
    } finally {
      client.release();
    }
  }

  /**
   * Fails fast with a message a user can act on when the database cannot be reached or logged into. On a
   * client of its own: pg's pool leaves a connection whose login failed in the driver (no password for a
   * server that wants one) open until the server's authentication timeout; this one is closed at once.
   */
  async ping(): Promise<void> {
    const client = await this.dedicatedClient('temporalci');
    try {
      await client.query('select 1');
    } catch (e) {
      throw this.fail(e);
    } finally {
      await client.end().catch(() => undefined); // the answer (or the failure above) is what counts
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  scrub(e: unknown): string {
    let text = describeError(e);
    // A one- or two-letter password would match ordinary words; drivers never echo passwords anyway.
    if (this.password.length >= 3) {
      for (const form of new Set([this.password, encodeURIComponent(this.password)]))
        text = text.split(form).join('***');
    }
    return text;
  }

  /** The TemporalCIError for a driver error a user can act on; any other error (a bug) is returned as is. */
  fail(e: unknown): unknown {
    if (e instanceof TemporalCIError) return e;
    const code = (e as { code?: unknown }).code;
    const message = this.scrub(e);
    if (typeof code === 'string' && UNREACHABLE.has(code)) return this.unreachable(message);
    if (/timeout exceeded when trying to connect|Connection terminated/i.test(message))
      return this.unreachable(message);
    // The driver's own login failures (SASL, a password the server wants but the URL lacks) carry no code.
    if (
      (typeof code === 'string' && LOGIN_REFUSED.has(code)) ||
      (code === undefined && /SASL|password/i.test(message))
    ) {
      return new TemporalCIError(
        'DATABASE_UNAVAILABLE',
        `Postgres at ${this.shown} refused the login: ${message}`,
        {
          hint: 'check the user and password in the database URL (the password is never printed)',
        },
      );
    }
    if (code === '3D000') {
      return new TemporalCIError('DATABASE_UNAVAILABLE', `${this.shown}: ${message}`, {
        hint: 'create the database first (createdb, or CREATE DATABASE), then run `temporalci db migrate`',
      });
    }
    if (code === '42P01') {
      return new TemporalCIError('DATABASE_SCHEMA', `${this.shown} has no TemporalCI tables (${message})`, {
        hint: 'create them: temporalci db migrate --database-url URL (or set TEMPORALCI_DATABASE_URL)',
      });
    }
    return e;
  }

  private unreachable(message: string): TemporalCIError {
    return new TemporalCIError(
      'DATABASE_UNAVAILABLE',
      `cannot connect to Postgres at ${this.shown}: ${message}`,
      {
        hint: 'start Postgres, or fix the host and port in --database-url / TEMPORALCI_DATABASE_URL',
      },
    );
  }
}

/** Opens the pool and checks that the server answers, so a wrong URL fails here rather than mid-run. */
export async function openDatabase(url: string, opts: { warn: Warn }): Promise<Database> {
  const db = new Database(parseDatabaseUrl(url), opts.warn);
  try {
    await db.ping();
  } catch (e) {
    await db.close().catch(() => undefined); // the failure above is the one worth reporting
    throw e;
  }
  return db;
}
