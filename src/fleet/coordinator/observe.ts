/**
 * What operators and autoscalers read from a coordinator: `/readyz` (can it serve: Redis, Postgres and S3
 * reachable) and `/metrics` (Prometheus text). The numbers come from Postgres, the system of record, so
 * every replica behind a load balancer reports the same fleet; only the queue counts come from Redis.
 * Nothing here names a host, a URL or a credential: a failed check says which service, not where it is.
 */
import type { Database } from '../../store/postgres/connection.js';
import type { S3ArtifactStore } from '../../store/s3/store.js';
import type { Dispatcher } from './dispatch.js';

export interface ObservePorts {
  dispatcher: Dispatcher;
  db: Database;
  artifacts: S3ArtifactStore;
}

type CheckName = 'redis' | 'postgres' | 's3';

export interface Readiness {
  ready: boolean;
  checks: Record<CheckName, 'ok' | 'unreachable' | 'timeout'>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Settles as 'ok', 'unreachable' (it failed) or 'timeout' (no answer in time): never throws. */
async function probe(fn: () => Promise<unknown>, ms: number): Promise<'ok' | 'unreachable' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([fn().then(() => 'ok' as const), timeout]);
  } catch {
    // The reason may name a host or carry a driver's message: the probe reports the service only, and the
    // coordinator's own log already has the failure from the request that met it.
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(ports: ObservePorts, timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const [redis, postgres, s3] = await Promise.all([
    probe(() => ports.dispatcher.pingRedis(), timeoutMs),
    probe(() => ports.db.query('select 1'), timeoutMs),
    probe(() => ports.artifacts.check(), timeoutMs),
  ]);
  const checks = { redis, postgres, s3 };
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

/** Upper bounds (seconds) of the sample-duration histogram: a mock's fraction of a second to an hour. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] as const;

interface Gauge {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: { labels?: Record<string, string>; suffix?: string; value: number }[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Prometheus text exposition format 0.0.4. */
function renderPrometheus(metrics: readonly Gauge[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${m.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${s.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function counts(db: Database, sql: string): Promise<Map<string, number>> {
  const r = await db.query<{ key: string; n: string }>(sql);
  return new Map(r.rows.map((row) => [row.key, Number(row.n)]));
}

export async function fleetMetrics(ports: ObservePorts): Promise<string> {
  const queue = await ports.dispatcher.queueCounts();
  const tasks = await counts(
    ports.db,
    `select t.state as key, count(*) as n from fleet_tasks t join fleet_runs r using (run_key)
      where r.state in ('running', 'finishing') group by t.state`,
  );
  const events = await counts(
    ports.db,
    `select kind as key, count(*) as n from fleet_events where kind in ('lease_lost', 'claimed', 'completed')
      group by kind`,
  );
  const runs = await counts(ports.db, 'select state as key, count(*) as n from fleet_runs group by state');
  const hist = await ports.db.query<{ le: string; n: string }>(
    `select b.le::text as le, count(r.gpu_s) as n from unnest($1::double precision[]) as b(le)
       left join fleet_results r on r.gpu_s <= b.le group by b.le order by b.le`,
    [DURATION_BUCKETS],
  );
  const total = await ports.db.query<{ n: string; sum: string | null }>(
    'select count(*) as n, sum(gpu_s) as sum from fleet_results',
  );
  const n = Number(total.rows[0]?.n ?? 0);
  const sum = Number(total.rows[0]?.sum ?? 0);
  const TASK_STATES = ['pending', 'queued', 'leased', 'done', 'speculative', 'cancelled'];
  const RUN_STATES = ['running', 'finishing', 'done', 'error', 'interrupted'];
  return renderPrometheus([
    {
      name: 'temporalci_queue_jobs',
      help: 'Sample jobs in the dispatch queue, by queue state (wait is the depth to autoscale on).',
      type: 'gauge',
      samples: Object.entries(queue).map(([state, value]) => ({ labels: { state }, value })),
    },
    {
      name: 'temporalci_tasks',
      help: 'Planned samples of unfinished runs, by ledger state.',
      type: 'gauge',
      samples: TASK_STATES.map((state) => ({ labels: { state }, value: tasks.get(state) ?? 0 })),
    },
    {
      name: 'temporalci_leases_active',
      help: 'Samples a worker holds a lease on now.',
      type: 'gauge',
      samples: [{ value: tasks.get('leased') ?? 0 }],
    },
    {
      name: 'temporalci_runs',
      help: 'Model runs this fleet dispatched, by state.',
      type: 'gauge',
      samples: RUN_STATES.map((state) => ({ labels: { state }, value: runs.get(state) ?? 0 })),
    },
    {
      name: 'temporalci_claims_total',
      help: 'Leases handed to workers.',
      type: 'counter',
      samples: [{ value: events.get('claimed') ?? 0 }],
    },
    {
      name: 'temporalci_redeliveries_total',
      help: 'Leases that expired or were handed back, so their sample went back to the queue.',
      type: 'counter',
      samples: [{ value: events.get('lease_lost') ?? 0 }],
    },
    {
      name: 'temporalci_sample_duration_seconds',
      help: 'GPU seconds per recorded sample result, as the worker measured it.',
      type: 'histogram',
      samples: [
        ...hist.rows.map((row) => ({
          suffix: '_bucket',
          labels: { le: String(Number(row.le)) },
          value: Number(row.n),
        })),
        { suffix: '_bucket', labels: { le: '+Inf' }, value: n },
        { suffix: '_sum', value: sum },
        { suffix: '_count', value: n },
      ],
    },
  ]);
}
