/**
 * The workers a coordinator has heard from (table `fleet_workers`, migrations 4 and 5): each claim says who the
 * worker is and which code-running adapters its operator allowed; each heartbeat keeps it seen while it is
 * busy. A submission whose model needs an adapter no live worker allows is refused before any plan is made.
 */
import { TemporalCIError } from '../../errors.js';
import type { Database } from '../../store/postgres/connection.js';
import type { LoadedSuite } from '../../suite/types.js';
import { needsAllowing } from '../api/allow.js';

/** A worker unseen for this long (no claim, no heartbeat) no longer counts as able to take a run. */
const WORKER_LIVE_SEC = 3600;

export async function recordWorker(
  db: Database,
  name: string,
  labels: Record<string, string>,
  allowAdapters: readonly string[],
): Promise<void> {
  await db.query(
    `insert into fleet_workers (name, allow_adapters, labels, last_seen) values ($1, $2, $3, now())
     on conflict (name) do update set allow_adapters = excluded.allow_adapters, labels = excluded.labels,
       last_seen = excluded.last_seen`,
    [name, allowAdapters, JSON.stringify(labels)],
  );
}

export interface WorkerInfo {
  name: string;
  labels: Record<string, string>;
  allow_adapters: string[];
  last_seen: string;
  draining: boolean;
  /** Leases it holds now. */
  leases: number;
}

/** Every worker the coordinator has heard from, most recently seen first. */
export async function listWorkers(db: Database): Promise<WorkerInfo[]> {
  const r = await db.query<{
    name: string;
    labels: Record<string, string>;
    allow_adapters: string[];
    last_seen: Date;
    draining: boolean;
    leases: number;
  }>(
    `select w.name, w.labels, w.allow_adapters, w.last_seen, w.draining,
            (select count(*)::int from fleet_tasks t where t.leased_by = w.name and t.state = 'leased') as leases
       from fleet_workers w order by w.last_seen desc, w.name`,
  );
  return r.rows.map((w) => ({ ...w, last_seen: w.last_seen.toISOString() }));
}

/** Asks a worker to drain (or no longer); false when no worker of that name has ever claimed. */
export async function setDraining(db: Database, name: string, draining: boolean): Promise<boolean> {
  const r = await db.query('update fleet_workers set draining = $2 where name = $1 returning name', [
    name,
    draining,
  ]);
  return r.rows.length === 1;
}

export async function isDraining(db: Database, name: string): Promise<boolean> {
  const r = await db.query<{ draining: boolean }>('select draining from fleet_workers where name = $1', [
    name,
  ]);
  return r.rows[0]?.draining === true;
}

/** A heartbeat: the worker holding this lease is alive even though it has not claimed for a while. */
export async function touchWorkerOfLease(db: Database, leaseToken: string): Promise<void> {
  await db.query(
    `update fleet_workers set last_seen = now()
      where name = (select leased_by from fleet_tasks where lease_token = $1)`,
    [leaseToken],
  );
}

/** Refuses the suite when one of its models needs an adapter that no worker seen lately allows. */
export async function refuseUntakeable(db: Database, suite: LoadedSuite): Promise<void> {
  const needed = [...new Set(suite.config.models.map((m) => m.adapter).filter(needsAllowing))];
  if (needed.length === 0) return;
  const r = await db.query<{ adapter: string }>(
    `select distinct a as adapter from fleet_workers, unnest(allow_adapters) as a
      where last_seen > now() - make_interval(secs => $1) and a = any($2::text[])`,
    [WORKER_LIVE_SEC, needed],
  );
  const allowed = new Set(r.rows.map((row) => row.adapter));
  const missing = needed.filter((a) => !allowed.has(a));
  if (missing.length === 0) return;
  const models = suite.config.models.filter((m) => missing.includes(m.adapter)).map((m) => m.name);
  throw new TemporalCIError(
    'FLEET_NO_WORKER',
    `no worker of this fleet may run the ${missing.map((a) => `"${a}"`).join(', ')} adapter ` +
      `(models ${models.join(', ')}): it runs code from the suite, which a worker runs only when its ` +
      'operator allowed it',
    {
      file: suite.file,
      hint: `start a worker with --allow-adapters ${missing.join(',')}, or run this suite locally`,
    },
  );
}
