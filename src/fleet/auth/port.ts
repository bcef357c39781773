/**
 * Who may call the coordinator. Every request carries `Authorization: Bearer <token>`; a token has exactly
 * one role. `submit` starts and reads runs, `worker` claims and completes sample jobs, `admin` manages
 * tokens, requeues and drains. The coordinator's HTTP layer asks a TokenVerifier and answers 401 (no or
 * unknown token) or 403 (a valid token of another role).
 */
export const ROLES = ['submit', 'worker', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A verified caller, as handlers see it. Never holds the token itself. */
export interface Principal {
  tokenId: string;
  /** The name given at `tokens create` (a CI pipeline, a GPU box), for audit events. */
  name: string;
  role: Role;
}

export interface TokenVerifier {
  /** The token's principal, or null when the token is unknown or revoked. */
  verify(token: string): Promise<Principal | null>;
}
