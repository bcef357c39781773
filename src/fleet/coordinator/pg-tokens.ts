/**
 * A TokenVerifier over the `api_tokens(hash, role, name, revoked_at)` table (../shared/reference/fleet.md
 * §3.2): the coordinator's until the auth store of src/fleet/auth/ takes its place. Only the token's SHA-256
 * is looked up, then compared in constant time; the token itself is never stored or logged.
 */

import type { Database } from '../../store/postgres/connection.js';
import { type Principal, ROLES, type Role, type TokenVerifier } from '../auth/port.js';
import { hashToken, sameHash } from '../auth/tokens.js';

export function postgresTokenVerifier(db: Database): TokenVerifier {
  return {
    async verify(token: string): Promise<Principal | null> {
      const hash = hashToken(token);
      const r = await db.query<{ hash: string; role: string; name: string }>(
        'select hash, role, name from api_tokens where hash = $1 and revoked_at is null',
        [hash],
      );
      const row = r.rows[0];
      if (row === undefined || !sameHash(row.hash, hash) || !ROLES.includes(row.role as Role)) return null;
      return { tokenId: hash.slice(0, 16), name: row.name, role: row.role as Role };
    },
  };
}
