/**
 * Migration 3, "fleet dispatch": what a coordinator keeps of the runs it dispatches to GPU workers. BullMQ
 * (Redis) only hands jobs out; these tables are the ledger (../shared/reference/fleet.md §7.3):
 *
 * - `fleet_runs`: one row per model run a submission started: its run key, the bundle it came from, its
 *   state, and the facts a restarted coordinator needs to rebuild its plan and WaveLedger (`plan`, `ledger`);
 * - `fleet_tasks`: one row per planned sample; `lease_token` is the fencing token of the current lease;
 * - `fleet_results`: at most ONE result per sample (primary key), written by the same statement that ends
 *   the lease, so a zombie whose lease moved on can never record anything, and a retried complete with the
 *   same token finds its own row;
 * - `fleet_events`: an append-only audit trail (claims, completions, lost leases, decisions).
 */
export const FLEET_DISPATCH_V3 = `
create table fleet_runs (
  run_key text primary key,
  submission text not null,
  project text not null,
  suite text not null,
  model text not null,
  run_id text not null,
  bundle_sha256 text not null check (bundle_sha256 ~ '^[0-9a-f]{64}$'),
  suite_file text not null,
  state text not null check (state in ('running', 'finishing', 'done', 'error', 'interrupted')),
  plan jsonb not null,
  ledger jsonb not null default '[]',
  status text,
  exit_code integer,
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index fleet_runs_submission on fleet_runs (submission);

create table fleet_tasks (
  run_key text not null references fleet_runs (run_key) on delete cascade,
  seq integer not null check (seq >= 0),
  wave integer not null check (wave >= 0),
  sample_id text not null,
  state text not null check (state in ('pending', 'queued', 'leased', 'done', 'speculative', 'cancelled')),
  attempt integer not null default 0,
  lease_token uuid unique,
  leased_by text,
  lease_until timestamptz,
  cancel_requested boolean not null default false,
  primary key (run_key, seq),
  unique (run_key, sample_id)
);

create table fleet_results (
  run_key text not null,
  sample_id text not null,
  seq integer not null,
  attempt integer not null,
  lease_token uuid not null,
  worker text not null,
  record jsonb not null,
  files jsonb not null,
  used boolean not null,
  gpu_s double precision not null check (gpu_s >= 0),
  created_at timestamptz not null default now(),
  primary key (run_key, sample_id),
  foreign key (run_key, seq) references fleet_tasks (run_key, seq) on delete cascade
);

create table fleet_events (
  id bigserial primary key,
  run_key text not null,
  at timestamptz not null default now(),
  kind text not null,
  detail jsonb not null default '{}'
);
create index fleet_events_run on fleet_events (run_key, id);
`;
