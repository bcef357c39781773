import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { describeError, TemporalCIError } from '../../errors.js';
import { describeHolder, type LockHolder } from '../lock.js';
import type { RunKey, RunLock, Warn } from '../types.js';
import type { Database } from './connection.js';

/**
 * A run's lock in Postgres: a session-level advisory lock, taken on a connection of its own.
 *
 * Why an advisory lock and not a lease row: Postgres frees a session's advisory locks the moment the
 * session ends, so a holder killed with SIGKILL (on any machine) frees the run at once, with no stale
 * period and no heartbeat to keep up; a holder cut off by the network frees it once the server notices the
 * dead connection (its TCP keepalive). Why a dedicated connection: a pooled client serves other queries
 * between ours and may be closed when idle, which would hand the lock to strangers or drop it.
 *
 * The lock itself carries no holder, so the holder writes a `run_locks` row naming itself (pid, host,
 * since) and its backend pid; a refused session shows the row whose backend really holds the lock, which
 * ignores rows left by holders that died.
 */

const key = (run: RunKey): string => `temporalci:run:${run.project}/${run.suite}/${run.model}/${run.runId}`;
const RUN_COLUMNS = 'project = $1 and suite = $2 and model = $3 and run_id = $4';
const params = (run: RunKey): string[] => [run.project, run.suite, run.model, run.runId];

/** The holder row of the backend that holds the run's advisory lock now (a bigint key splits in two oids). */
const HOLDER_SQL = `
select l.holder_pid, l.holder_host, l.since from run_locks l
join pg_locks p on p.pid = l.backend_pid and p.locktype = 'advisory' and p.granted and p.objsubid = 1
  and p.database = (select oid from pg_database where datname = current_database())
  and p.classid = ((hashtextextended($5, 0) >> 32) & 4294967295)::oid
  and p.objid = (hashtextextended($5, 0) & 4294967295)::oid
where l.project = $1 and l.suite = $2 and l.model = $3 and l.run_id = $4`;

async function currentHolder(db: Database, run: RunKey): Promise<string> {
  // The holder writes its row just after taking the lock: give a session caught in between a moment.
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await db.query<{ holder_pid: number; holder_host: string; since: string }>(HOLDER_SQL, [
      ...params(run),
      key(run),
    ]);
    const row = r.rows[0];
    if (row)
      return describeHolder({ pid: row.holder_pid, host: row.holder_host, since: row.since, token: '' });
    await delay(20);
  }
  return 'a session that is taking the lock now';
}

export async function lockRunInDatabase(db: Database, run: RunKey, warn: Warn): Promise<RunLock> {
  let released = false;
  const client = await db.dedicatedClient('temporalci run lock', (e) => {
    if (!released) warn(`the lock of run ${run.runId} was lost with its database connection: ${db.scrub(e)}`);
  });
  let holder: LockHolder;
  try {
    const got = await client.query<{ ok: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
      [key(run)],
    );
    if (!got.rows[0]?.ok) {
      const who = await currentHolder(db, run);
      throw new TemporalCIError('RUN_LOCKED', `run ${run.runId} is locked by ${who}`, {
        hint: 'another `temporalci run` session is writing this run; wait for it to end (the lock is freed as soon as that process exits or loses its database connection)',
      });
    }
    holder = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
    };
    await client.query(
      `insert into run_locks (project, suite, model, run_id, holder_pid, holder_host, since, backend_pid)
       values ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
       on conflict (project, suite, model, run_id) do update set holder_pid = excluded.holder_pid,
         holder_host = excluded.holder_host, since = excluded.since, backend_pid = excluded.backend_pid`,
      [...params(run), holder.pid, holder.host, holder.since],
    );
  } catch (e) {
    released = true;
    await client.end().catch(() => undefined); // ending the session frees the lock if it was taken
    throw db.fail(e);
  }
  return {
    holder: describeHolder(holder),
    release: async () => {
      if (released) return;
      released = true;
      await releaseOn(client, run, key(run)).catch((e: unknown) =>
        warn(
          `run ${run.runId}: releasing its lock: ${describeError(db.fail(e))} (closing the connection frees it)`,
        ),
      );
      await client.end().catch(() => undefined); // the connection is gone already: so is the lock
    },
  };
}

async function releaseOn(client: pg.Client, run: RunKey, lockKey: string): Promise<void> {
  await client.query(
    `delete from run_locks where ${RUN_COLUMNS} and backend_pid = pg_backend_pid()`,
    params(run),
  );
  await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
}
