import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Token material. A token is shown once, at creation; only its SHA-256 is stored, and the lookup by hash is
 * followed by a constant-time comparison, so neither the database nor a timing side channel gives it away.
 */
const PREFIX = 'tci_';

export function newToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The shape newToken() makes: a cheap filter before any lookup (it says nothing about validity). */
export function looksLikeToken(text: string): boolean {
  return /^tci_[A-Za-z0-9_-]{43}$/.test(text);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests of the same length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
