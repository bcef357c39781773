/**
 * Migration 1: the run store. Every table is keyed by the run's place, (project, suite, model, run_id), as
 * the local layout is (`<project>/<suite>/<model>/<run id>/`); run ids are unique per model, not globally.
 *
 * - `runs`: one row per committed run, the record as jsonb. The index columns are GENERATED from the
 *   record by Postgres in the same row, so a record without its index entry (or the other way round)
 *   cannot exist, and a record edited by hand re-indexes itself.
 * - `run_tags`: a tag names a committed run; deleting the run deletes its tags (the foreign key).
 * - `run_states`, `run_samples`: a session's resumable state and its finished samples, written before the
 *   run has a record. A sample appended twice keeps its first position and its last value.
 * - `run_locks`: who holds a run's lock, for the message a second session gets. The lock itself is a
 *   Postgres advisory lock (src/store/postgres/run-lock.ts); this row only names its holder.
 *
 * The fleet (tasks, results, api_tokens, events, …) comes in later migrations; these names leave room.
 */
export const RUN_STORE_V1 = `
create table runs (
  project text not null,
  suite text not null,
  model text not null,
  run_id text not null,
  record jsonb not null,
  status text generated always as (record->>'status') stored,
  timestamp_utc text generated always as (record->>'timestamp_utc') stored,
  samples_planned integer generated always as ((record->'counts'->>'planned')::integer) stored,
  samples_measured integer generated always as ((record->'counts'->>'measured')::integer) stored,
  gate_failed boolean generated always as ((record->>'gate_failed')::boolean) stored,
  regression_failed boolean generated always as ((record->>'regression_failed')::boolean) stored,
  committed_at timestamptz not null default now(),
  primary key (project, suite, model, run_id),
  constraint runs_record_is_of_its_run check (
    record->>'project' = project and record->>'suite_name' = suite
    and record->>'model_name' = model and record->>'run_id' = run_id
  )
);
-- Baseline selection (latest_pass, rolling:N) walks one model's runs of one status, newest first.
create index runs_by_status on runs (project, suite, model, status, run_id);

create table run_tags (
  project text not null,
  suite text not null,
  model text not null,
  name text not null,
  run_id text not null,
  tagged_at timestamptz not null default now(),
  primary key (project, suite, model, name),
  foreign key (project, suite, model, run_id) references runs on delete cascade
);
create index run_tags_by_run on run_tags (project, suite, model, run_id);

create table run_states (
  project text not null,
  suite text not null,
  model text not null,
  run_id text not null,
  state jsonb not null,
  written_at timestamptz not null default now(),
  primary key (project, suite, model, run_id)
);

create table run_samples (
  project text not null,
  suite text not null,
  model text not null,
  run_id text not null,
  sample_id text not null,
  seq bigint generated always as identity,
  record jsonb not null,
  appended_at timestamptz not null default now(),
  primary key (project, suite, model, run_id, sample_id)
);
create index run_samples_in_order on run_samples (project, suite, model, run_id, seq);

create table run_locks (
  project text not null,
  suite text not null,
  model text not null,
  run_id text not null,
  holder_pid integer not null,
  holder_host text not null,
  since text not null,
  backend_pid integer not null,
  primary key (project, suite, model, run_id)
);
`;
