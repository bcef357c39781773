/**
 * `POST /v1/runs` with an `Idempotency-Key`: the first request with a key starts the run; a repeat of it
 * (the client did not get the answer: a proxy timeout, a coordinator restart) answers with the run that
 * request started, never a second run. Keys are per submitting token, so one pipeline cannot read
 * another's runs by guessing keys, and bound to the request body, so a reused key with another body is
 * refused rather than answered with an unrelated run.
 */
import { createHash } from 'node:crypto';
import { TemporalCIError } from '../../errors.js';
import type { Database } from '../../store/postgres/connection.js';
import type { RunView } from '../api/types.js';

/** What a key may look like: a UUID or any client id of printable ASCII without spaces. */
const KEY = /^[\x21-\x7e]{1,200}$/;

export function checkIdempotencyKey(key: string): string {
  if (!KEY.test(key)) {
    throw new TemporalCIError(
      'USAGE',
      'the Idempotency-Key header must be 1-200 printable ASCII characters',
      {
        hint: 'send a UUID, e.g. the one `temporalci run --coordinator-url` generates',
      },
    );
  }
  return key;
}

export interface SubmitOnce {
  db: Database;
  /** The submitting token's id: keys are per token. */
  principal: string;
  key: string;
  body: unknown;
  /** Starts the run (the dispatcher's submit). */
  start: () => Promise<RunView>;
  /** The run a submission id names, as GET /v1/runs/:id answers it; null when this process holds none. */
  view: (id: string) => RunView | null;
}

/** The run and whether this request started it (201) or repeated an earlier one (200). */
export async function submitOnce(o: SubmitOnce): Promise<{ view: RunView; created: boolean }> {
  const bodySha = createHash('sha256').update(JSON.stringify(o.body)).digest('hex');
  const reserved = await o.db.query(
    `insert into fleet_submit_keys (principal, key, body_sha256) values ($1, $2, $3)
     on conflict do nothing returning key`,
    [o.principal, o.key, bodySha],
  );
  if (reserved.rows.length === 1) {
    let view: RunView;
    try {
      view = await o.start();
    } catch (e) {
      // Nothing started: free the key, so the client may send the (corrected) request again.
      await o.db.query('delete from fleet_submit_keys where principal = $1 and key = $2', [
        o.principal,
        o.key,
      ]);
      throw e;
    }
    await o.db.query('update fleet_submit_keys set submission = $3 where principal = $1 and key = $2', [
      o.principal,
      o.key,
      view.id,
    ]);
    return { view, created: true };
  }
  const prior = await o.db.query<{ body_sha256: string; submission: string | null }>(
    'select body_sha256, submission from fleet_submit_keys where principal = $1 and key = $2',
    [o.principal, o.key],
  );
  const row = prior.rows[0];
  if (row !== undefined && row.body_sha256 !== bodySha) {
    throw new TemporalCIError(
      'IDEMPOTENCY_MISMATCH',
      'this Idempotency-Key was sent before with another request',
      {
        hint: 'use a new key for a new submission',
      },
    );
  }
  if (row === undefined || row.submission === null) {
    throw new TemporalCIError(
      'SUBMISSION_IN_PROGRESS',
      'a submission with this Idempotency-Key is still starting',
      {
        hint: 'ask again in a moment: the answer will be that run',
      },
    );
  }
  const view = o.view(row.submission);
  if (view === null) {
    throw new TemporalCIError(
      'RUN_NOT_FOUND',
      `run ${row.submission} (this key's) is not held by this coordinator`,
      {
        hint: 'it ended before this coordinator restarted; see `temporalci history` for its record',
      },
    );
  }
  return { view, created: false };
}
