import type { Context, MiddlewareHandler } from 'hono';
import type { Principal, Role, TokenVerifier } from './port.js';
import { FailedAuthLimiter } from './rate-limit.js';

/**
 * The coordinator's bearer-token check, as Hono middleware: `app.post('/v1/runs', requireRole(tokens,
 * 'submit', 'admin'), handler)`. Answers, with a JSON body `{error, message}`:
 * - 401 + `WWW-Authenticate: Bearer …` when the Authorization header is missing or malformed, or its token
 *   is unknown or revoked;
 * - 403 when the token is valid but of another role;
 * - 429 + `Retry-After` when the client IP has spent its failed-auth allowance (src/fleet/auth/rate-limit.ts:
 *   10 rejected tokens, then one more every 6 s). While it lasts the IP's tokens are not even checked, so
 *   guessing cannot go on; a request without any token still gets its 401 and spends nothing.
 * Handlers then read `c.get('principal')`. The token itself is never logged, echoed or kept on the context.
 * A verifier that fails (the database is down) is not a 401: its error goes to the app's error handler.
 */

export interface AuthEnv {
  Variables: { principal: Principal };
}

export interface AuthOptions {
  verifier: TokenVerifier;
  /** Shared by every route guarded with these options; one per process by default. */
  limiter?: FailedAuthLimiter;
  /** Audit lines for refused requests (never the token). Default: none. */
  log?: (line: string) => void;
  /**
   * The client's address for the rate limit. Default: the socket's peer address (@hono/node-server puts
   * the request in `c.env.incoming`). Behind a load balancer, pass one that reads the proxy's header;
   * trust that header only when the proxy sets it.
   */
  clientIp?: (c: Context) => string;
}

interface Resolved {
  verifier: TokenVerifier;
  limiter: FailedAuthLimiter;
  log: (line: string) => void;
  clientIp: (c: Context) => string;
}

/** RFC 6750 b64token, bounded so a huge header costs nothing. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]{1,512}=*) *$/i;
const REALM = 'Bearer realm="temporalci"';

function socketAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** One limiter per verifier unless the options bring their own, so all routes share a client's allowance. */
const limiters = new WeakMap<TokenVerifier, FailedAuthLimiter>();

function resolve(auth: TokenVerifier | AuthOptions): Resolved {
  const opts: AuthOptions = 'verifier' in auth ? auth : { verifier: auth };
  let limiter = opts.limiter ?? limiters.get(opts.verifier);
  if (limiter === undefined) {
    limiter = new FailedAuthLimiter();
    limiters.set(opts.verifier, limiter);
  }
  return {
    verifier: opts.verifier,
    limiter,
    log: opts.log ?? (() => undefined),
    clientIp: opts.clientIp ?? socketAddress,
  };
}

function refuse(c: Context, status: 401 | 403 | 429, message: string, headers: Record<string, string>) {
  const error = { 401: 'unauthorized', 403: 'forbidden', 429: 'too_many_failed_attempts' }[status];
  return c.json({ error, message }, status, headers);
}

export function requireRole(
  auth: TokenVerifier | AuthOptions,
  ...roles: [Role, ...Role[]]
): MiddlewareHandler<AuthEnv> {
  const { verifier, limiter, log, clientIp } = resolve(auth);
  const needed = roles.join(' or ');
  return async (c, next) => {
    const where = `${c.req.method} ${c.req.path}`;
    const header = c.req.header('Authorization');
    if (header === undefined || header.trim() === '') {
      return refuse(c, 401, 'this endpoint needs an Authorization: Bearer <token> header', {
        'WWW-Authenticate': REALM,
      });
    }
    const ip = clientIp(c);
    const wait = limiter.retryAfterSec(ip);
    if (wait > 0) {
      log(`auth: ${ip} is over its failed-auth limit; refused ${where} (429)`);
      return refuse(c, 429, `too many rejected tokens from this address; retry in ${wait} s`, {
        'Retry-After': String(wait),
      });
    }
    const token = BEARER.exec(header)?.[1];
    const principal = token === undefined ? null : await verifier.verify(token);
    if (principal === null) {
      limiter.recordFailure(ip);
      const what = token === undefined ? 'a malformed Authorization header' : 'an unknown or revoked token';
      log(`auth: ${ip} sent ${what} on ${where} (401)`);
      return refuse(c, 401, 'the bearer token is malformed, unknown or revoked', {
        'WWW-Authenticate': `${REALM}, error="invalid_token"`,
      });
    }
    if (!roles.includes(principal.role)) {
      log(`auth: token "${principal.name}" (${principal.role}) refused on ${where}: needs ${needed} (403)`);
      return refuse(c, 403, `this endpoint needs a ${needed} token; this one is a ${principal.role} token`, {
        'WWW-Authenticate': `${REALM}, error="insufficient_scope"`,
      });
    }
    c.set('principal', principal);
    await next();
  };
}
