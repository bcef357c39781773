import { describe, expect, it } from 'vitest';
import { MemoryTokens } from '../../../src/fleet/auth/memory.js';
import { ROLES } from '../../../src/fleet/auth/port.js';
import { hashToken, newToken, sameHash } from '../../../src/fleet/auth/tokens.js';

describe('fleet tokens', () => {
  it('are 32 random bytes, stored only as their SHA-256', () => {
    const a = newToken();
    expect(a).toMatch(/^tci_[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(a);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(hashToken(a), hashToken(a))).toBe(true);
    expect(sameHash(hashToken(a), hashToken(`${a}x`))).toBe(false);
    expect(sameHash('', '')).toBe(false);
  });

  it('verify to their role until revoked; unknown tokens verify to nothing', async () => {
    const tokens = new MemoryTokens();
    const issued = ROLES.map((role) => [role, tokens.create(role, `${role}-box`)] as const);
    for (const [role, token] of issued) {
      expect(await tokens.verify(token)).toMatchObject({ role, name: `${role}-box` });
    }
    const worker = (await tokens.verify(issued[1]![1]))!;
    expect(JSON.stringify(worker)).not.toContain(issued[1]![1]);
    expect(tokens.revoke(worker.tokenId)).toBe(true);
    expect(await tokens.verify(issued[1]![1])).toBeNull();
    expect(await tokens.verify(newToken())).toBeNull();
  });
});
