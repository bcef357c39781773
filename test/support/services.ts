import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, it } from 'vitest';

/**
 * The fleet's services for the tests, started once by the global setup (test/support/global-setup.ts) on
 * 127.0.0.1 and stopped by pid, so `npm test` needs no running server:
 * - Postgres: TEMPORALCI_TEST_PG (the URL of a server you run, whose user may create databases) when set;
 *   else a throwaway cluster (initdb into a temp dir, fsync off) on a free port, removed afterwards.
 * - Redis: redis-server on a free port, with no persistence.
 * The global setup hands their URLs to the test processes through the environment (vitest starts its
 * workers after the global setup, with its environment, and so do the CLI processes the tests spawn).
 * A test file calls requirePostgres() / requireRedis() at its top: it gets a database of its own, or a
 * skipped test whose name is the one-line install hint when the program is missing.
 */

const PG_URL = 'TCI_TEST_PG_ADMIN_URL';
const PG_MISSING = 'TCI_TEST_PG_MISSING';
const REDIS_URL = 'TCI_TEST_REDIS_URL';
const REDIS_MISSING = 'TCI_TEST_REDIS_MISSING';
const PG_HINT = 'no initdb found: apt-get install postgresql (or set TEMPORALCI_TEST_PG to a server URL)';
const REDIS_HINT = 'no redis-server found: apt-get install redis-server';
/** The one role of the test cluster that logs in with a password (scram), not by trust. */
export const PASSWORD_ROLE = 'tci_password_probe';
/** Databases of the test Redis: one per test file (a counter in database 0 hands them out). */
const REDIS_DATABASES = 4096;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `p` is a file this process may run (a leftover non-executable file counts as absent). */
function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    if (dir && isExecutable(p)) return p;
  }
  return null;
}

/** initdb on PATH, else Debian's newest /usr/lib/postgresql/<major>/bin/initdb. */
function findInitdb(): string | null {
  const found = onPath('initdb');
  if (found) return realpathSync(found);
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => isExecutable(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin', 'initdb') : null;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** initdb and the server refuse to run as root: as root, run them as the postgres user. */
function asPostgres(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  for (let i = 0; i < 200 && alive(pid); i++) await delay(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

interface Started {
  url: string;
  stop: () => Promise<void>;
}

async function startPostgres(initdb: string): Promise<Started> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tci-pg-'));
  try {
    if (isRoot()) execFileSync('chown', ['postgres', dir]);
    asPostgres(initdb, [
      '-D',
      dir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    // Everyone is trusted except one role, which must give its password: the tests of a refused login.
    const hba = path.join(dir, 'pg_hba.conf');
    writeFileSync(hba, `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
    const pgCtl = path.join(path.dirname(initdb), 'pg_ctl');
    let port = 0;
    // A free port can be taken between our look and the server's bind (other sessions share the machine).
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      try {
        asPostgres(pgCtl, [
          '-D',
          dir,
          '-l',
          path.join(dir, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          opts,
          'start',
        ]);
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
    const pid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await stopPid(pid, 'SIGINT'); // "fast" shutdown: ends sessions, no checkpoint wait for clients
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    const log = path.join(dir, 'server.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a test Postgres with ${initdb}: ${(e as Error).message}\n${tail}`);
  }
}

async function startRedis(bin: string): Promise<Started> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tci-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn(bin, [...args, '--dir', dir, '--databases', String(REDIS_DATABASES)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
    // A spawn failure is an 'error' event; unheard, it would take the whole test run down with it.
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${bin}: ${e.message}`));
    });
  });
  const pid = child.pid!;
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stopPid(pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What startServices() started: the admin URLs of what the machine has (also handed on in the environment). */
export interface Services {
  stop: () => Promise<void>;
  /** One line per service the machine lacks, with its install hint. */
  notes: string[];
  pgAdminUrl: string | undefined;
  redisUrl: string | undefined;
}

/** Starts what the machine has; returns the teardown and one note line per service it lacks. */
export async function startServices(): Promise<Services> {
  const notes: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  const external = process.env.TEMPORALCI_TEST_PG;
  const initdb = external ? null : findInitdb();
  const redis = onPath('redis-server');
  const [pgStarted, redisStarted] = await Promise.all([
    initdb ? startPostgres(initdb) : null,
    redis ? startRedis(redis) : null,
  ]);
  if (external) process.env[PG_URL] = external;
  else if (pgStarted) {
    process.env[PG_URL] = pgStarted.url;
    stops.push(pgStarted.stop);
  } else {
    process.env[PG_MISSING] = PG_HINT;
    notes.push(`note: the Postgres tests are skipped (${PG_HINT}; CI installs it)`);
  }
  if (redisStarted) {
    process.env[REDIS_URL] = redisStarted.url;
    stops.push(redisStarted.stop);
  } else {
    process.env[REDIS_MISSING] = REDIS_HINT;
    notes.push(`note: the Redis tests are skipped (${REDIS_HINT}; CI installs it)`);
  }
  return {
    stop: async () => void (await Promise.all(stops.map((s) => s()))),
    notes,
    pgAdminUrl: process.env[PG_URL],
    redisUrl: process.env[REDIS_URL],
  };
}

export interface TestService {
  readonly available: boolean;
  /** The file's own database on the service (only inside tests and hooks, once available). */
  url(): string;
}

function unavailable(what: string, hint: string | undefined): TestService {
  const reason =
    hint ?? `${what} was not started (run the tests through vitest, whose global setup starts it)`;
  it.skip(`needs ${what}: ${reason}`);
  return {
    available: false,
    url: () => {
      throw new Error(`${what} is not available: ${reason}`);
    },
  };
}

/** A fresh Postgres database for this test file (`tci_<random>`), dropped after its last test. */
export function requirePostgres(): TestService {
  const admin = process.env[PG_URL];
  if (!admin) return unavailable('Postgres', process.env[PG_MISSING]);
  const name = `tci_${randomBytes(6).toString('hex')}`;
  const adminQuery = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(() => adminQuery(`create database ${name}`));
  // WITH (FORCE) ends the sessions a failed test left open.
  afterAll(() => adminQuery(`drop database if exists ${name} with (force)`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { available: true, url: () => url.toString() };
}

/** A Redis database of this test file's own (a number no other file gets), flushed after its last test. */
export function requireRedis(): TestService {
  const base = process.env[REDIS_URL];
  if (!base) return unavailable('Redis', process.env[REDIS_MISSING]);
  let db = -1;
  beforeAll(async () => {
    const counter = new Redis(`${base}/0`);
    try {
      db = await counter.incr('tci:test-databases');
    } finally {
      counter.disconnect();
    }
    if (db >= REDIS_DATABASES) throw new Error(`the test Redis ran out of databases (${REDIS_DATABASES})`);
  });
  afterAll(async () => {
    if (db < 0) return;
    const client = new Redis(`${base}/${db}`);
    try {
      await client.flushdb();
    } finally {
      client.disconnect();
    }
  });
  return {
    available: true,
    url: () => {
      if (db < 0) throw new Error('requireRedis(): url() is available inside tests and hooks only');
      return `${base}/${db}`;
    },
  };
}
