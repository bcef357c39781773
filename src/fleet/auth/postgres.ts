import { randomUUID } from 'node:crypto';
import { TemporalCIError } from '../../errors.js';
import type { Database } from '../../store/postgres/connection.js';
import { isRole, type Principal, ROLES, type Role, type TokenVerifier } from './port.js';
import { hashToken, looksLikeToken, newToken, sameHash } from './tokens.js';

/**
 * The fleet's tokens in Postgres (table `api_tokens`, migration 2). Only SHA-256 digests are stored; a
 * verification is one lookup by digest (a unique index) followed by a constant-time comparison of the
 * digests, so the database answer's timing says nothing about how much of a guess was right. Revoked
 * tokens stay in the table for audit and never verify again.
 *
 * `last_used_at` is an audit aid, not a hot path: each process writes it at most once a minute per token,
 * and the UPDATE itself only touches a row whose stamp is older than that, so replicas do not pile up
 * writes either.
 */

/** What `tokens list` shows: never the token, never its hash. */
export interface TokenInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface IssuedToken {
  id: string;
  /** The secret: shown once to whoever created it, stored nowhere. */
  token: string;
}

const TOUCH_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Names end up in audit events and `tokens list`: printable, no spaces, and never shaped like an id. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,99}$/;
const UNIQUE_VIOLATION = '23505';

export function checkRole(role: string): Role {
  if (!isRole(role)) {
    throw new TemporalCIError('USAGE', `"${role}" is not a token role`, {
      hint: `use one of: ${ROLES.join(', ')}`,
    });
  }
  return role;
}

function checkTokenName(name: string): string {
  if (!NAME.test(name) || UUID.test(name)) {
    throw new TemporalCIError('USAGE', `"${name}" is not a usable token name`, {
      hint: 'use 1-100 letters, digits and . _ @ : / - (starting with a letter or digit), e.g. ci-main or gpu-box-1; not a UUID',
    });
  }
  return name;
}

interface TokenRow {
  id: string;
  role: Role;
  name: string;
  hash: string;
  revoked: boolean;
}

export class PostgresTokens implements TokenVerifier {
  /** Token id → when this process last wrote its `last_used_at` (ms since the epoch). */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async create(role: Role, name: string): Promise<IssuedToken> {
    checkRole(role);
    checkTokenName(name);
    const id = randomUUID();
    const token = newToken();
    try {
      await this.db.query('insert into api_tokens (id, hash, role, name) values ($1, $2, $3, $4)', [
        id,
        hashToken(token),
        role,
        name,
      ]);
    } catch (e) {
      if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new TemporalCIError('USAGE', `a live token named "${name}" already exists`, {
          hint: `pick another name, or revoke the old one first: temporalci tokens revoke ${name}`,
        });
      }
      throw e;
    }
    return { id, token };
  }

  async list(): Promise<TokenInfo[]> {
    const r = await this.db.query<{
      id: string;
      role: Role;
      name: string;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>('select id, role, name, created_at, last_used_at, revoked_at from api_tokens order by created_at, id');
    return r.rows.map((row) => ({
      id: row.id,
      role: row.role,
      name: row.name,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    }));
  }

  /**
   * Revokes the live token with this id or name (or the token itself, for one found leaked in a log);
   * false when there is none (unknown or already revoked).
   */
  async revoke(idOrName: string): Promise<boolean> {
    const [column, value] = looksLikeToken(idOrName)
      ? ['hash', hashToken(idOrName)]
      : UUID.test(idOrName)
        ? ['id', idOrName.toLowerCase()]
        : ['name', idOrName];
    const r = await this.db.query<{ id: string }>(
      `update api_tokens set revoked_at = now()
        where revoked_at is null and ${column === 'id' ? 'id = $1::uuid' : `${column} = $1`}
        returning id`,
      [value],
    );
    for (const row of r.rows) this.touched.delete(row.id);
    return (r.rowCount ?? 0) > 0;
  }

  async verify(token: string): Promise<Principal | null> {
    // A string that cannot be a token costs no query.
    if (!looksLikeToken(token)) return null;
    const hash = hashToken(token);
    const r = await this.db.query<TokenRow>(
      'select id, role, name, hash, revoked_at is not null as revoked from api_tokens where hash = $1',
      [hash],
    );
    const row = r.rows[0];
    if (row === undefined || row.revoked || !sameHash(row.hash, hash)) return null;
    await this.touch(row.id);
    return { tokenId: row.id, name: row.name, role: row.role };
  }

  private async touch(id: string): Promise<void> {
    const now = this.now();
    const last = this.touched.get(id);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    await this.db.query(
      `update api_tokens set last_used_at = now()
        where id = $1 and (last_used_at is null or last_used_at < now() - interval '60 seconds')`,
      [id],
    );
    this.touched.set(id, now);
  }
}
