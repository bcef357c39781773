/**
 * Migration 2: the fleet's API tokens (src/fleet/auth/postgres.ts). A row holds the SHA-256 of a token,
 * never the token: the secret exists only in the output of `temporalci tokens create`. `hash` is unique so a
 * verification is one index lookup; `revoked_at` keeps revoked tokens for audit instead of deleting them.
 * Names are unique among live tokens only, so `tokens revoke NAME` is unambiguous and a name can be reused
 * after its token is revoked. `last_used_at` is written at most once a minute per token (by the verifier).
 */
export const API_TOKENS_V2 = `
create table api_tokens (
  id uuid primary key,
  hash text not null unique,
  role text not null,
  name text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_tokens_role_is_known check (role in ('submit', 'worker', 'admin')),
  constraint api_tokens_hash_is_sha256 check (hash ~ '^[0-9a-f]{64}$'),
  constraint api_tokens_name_is_set check (name <> '')
);
create unique index api_tokens_live_name on api_tokens (name) where revoked_at is null;
`;
