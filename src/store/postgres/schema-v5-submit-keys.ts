/**
 * Migration 5, "submit keys and drain". `fleet_workers.draining`: an admin asked the worker to stop
 * (`POST /v1/admin/workers/:name/drain`); its next claim is answered "draining" and it exits once its job
 * is recorded. `fleet_submit_keys`: the Idempotency-Key of each submission, per submitting token, so a client
 * that sends `POST /v1/runs` again after a dropped answer (a proxy timeout, a coordinator restart) gets the
 * run it already started instead of a second one. `submission` is null while the first request is still
 * starting the run; `body_sha256` tells a retry from a different request reusing the key.
 */
export const FLEET_SUBMIT_KEYS_V5 = `
create table fleet_submit_keys (
  principal text not null,
  key text not null,
  body_sha256 text not null,
  submission text,
  created_at timestamptz not null default now(),
  primary key (principal, key)
);
create index fleet_submit_keys_created_at on fleet_submit_keys (created_at);
alter table fleet_workers add column draining boolean not null default false;
`;
