/**
 * Migration 4, "fleet workers": the workers a coordinator has heard from, upserted on every claim, so a
 * submission can be refused when no live worker may run one of its models (a `command` or module-path
 * adapter that no worker's operator allowed) instead of cycling its samples through refusals.
 */
export const FLEET_WORKERS_V4 = `
create table fleet_workers (
  name text primary key,
  allow_adapters text[] not null default '{}',
  labels jsonb not null default '{}',
  last_seen timestamptz not null default now()
);
create index fleet_workers_last_seen on fleet_workers (last_seen);
`;
