import { randomUUID } from 'node:crypto';
import type { Principal, Role, TokenVerifier } from './port.js';
import { hashToken, newToken, sameHash } from './tokens.js';

/** Tokens kept in memory: the TokenVerifier of in-process tests and of a coordinator started for one job. */
export class MemoryTokens implements TokenVerifier {
  private readonly byHash = new Map<string, Principal & { hash: string; revoked: boolean }>();

  /** A new token of `role`; the returned string is the only copy of the secret. */
  create(role: Role, name: string): string {
    const token = newToken();
    const hash = hashToken(token);
    this.byHash.set(hash, { tokenId: randomUUID(), name, role, hash, revoked: false });
    return token;
  }

  revoke(tokenId: string): boolean {
    for (const t of this.byHash.values()) {
      if (t.tokenId === tokenId && !t.revoked) {
        t.revoked = true;
        return true;
      }
    }
    return false;
  }

  async verify(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const t = this.byHash.get(hash);
    if (t === undefined || t.revoked || !sameHash(t.hash, hash)) return null;
    return { tokenId: t.tokenId, name: t.name, role: t.role };
  }
}
