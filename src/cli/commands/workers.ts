import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import type { WorkerInfo } from '../../fleet/coordinator/workers.js';
import { out } from '../io.js';
import { printTable } from '../table.js';

/**
 * `temporalci workers list|drain|undrain`: the fleet's workers, through the coordinator's admin API (an
 * admin token). Draining takes a box out of the fleet without losing work: it finishes and records the
 * job it holds, then exits 0 on its next claim.
 */

interface AdminFlags {
  coordinatorUrl: string;
  token?: string;
  json?: boolean;
}

/** A row of `GET /v1/admin/workers`, as the coordinator writes it. */
type WorkerRow = WorkerInfo;

async function admin(flags: AdminFlags, method: string, route: string): Promise<unknown> {
  const token = flags.token ?? process.env.TEMPORALCI_TOKEN;
  if (!token) {
    throw new TemporalCIError('USAGE', 'this needs an admin token', {
      hint: 'pass --token, or set TEMPORALCI_TOKEN (temporalci tokens create --role admin makes one)',
    });
  }
  const url = `${flags.coordinatorUrl.replace(/\/+$/, '')}${route}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (e) {
    const why = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
    throw new TemporalCIError(
      'RUN_FAILED',
      `cannot reach the coordinator at ${flags.coordinatorUrl}: ${why}`,
      {
        hint: 'is `temporalci serve` up at that URL?',
      },
    );
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; hint?: string } } | null;
  if (!res.ok) {
    throw new TemporalCIError(
      res.status === 404 ? 'RUN_NOT_FOUND' : 'RUN_FAILED',
      `the coordinator answered HTTP ${res.status}: ${body?.error?.message ?? 'no reason given'}`,
      {
        hint:
          res.status === 401 || res.status === 403
            ? 'check --token: it must be an admin token of this coordinator'
            : (body?.error?.hint ?? 'see the coordinator log'),
      },
    );
  }
  return body;
}

function tableRows(rows: readonly WorkerRow[]): string[][] {
  return [
    ['NAME', 'STATE', 'LEASES', 'LAST SEEN', 'LABELS', 'ALLOWS'],
    ...rows.map((w) => [
      w.name,
      w.draining ? 'draining' : 'active',
      String(w.leases),
      w.last_seen.replace(/\.\d{3}Z$/, 'Z'),
      Object.entries(w.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
      w.allow_adapters.join(',') || '-',
    ]),
  ];
}

export function registerWorkers(program: Command): void {
  const workers = program
    .command('workers')
    .description("the fleet's workers: list them, drain one (finish its job, then exit) or undrain it");
  const common = (c: Command) =>
    c
      .requiredOption('--coordinator-url <url>', 'the coordinator of `temporalci serve`')
      .option('--token <token>', 'an admin token (default: $TEMPORALCI_TOKEN)');
  common(workers.command('list').description('every worker the coordinator has heard from, last seen first'))
    .option('--json', 'print the list as JSON')
    .action(async (flags: AdminFlags) => {
      const { workers: rows } = (await admin(flags, 'GET', '/v1/admin/workers')) as { workers: WorkerRow[] };
      if (flags.json) out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) out('no worker has claimed a job yet');
      else printTable(tableRows(rows));
    });
  for (const [verb, method, says] of [
    ['drain', 'POST', 'finishes the job it holds, then exits 0 on its next claim'],
    ['undrain', 'DELETE', 'claims jobs again (a drained worker started anew stays drained until this)'],
  ] as const) {
    common(workers.command(`${verb} <name>`).description(`the worker ${says}`)).action(
      async (name: string, flags: AdminFlags) => {
        await admin(flags, method, `/v1/admin/workers/${encodeURIComponent(name)}/drain`);
        out(`${name}: ${verb === 'drain' ? 'draining' : 'active'}`);
      },
    );
  }
}
