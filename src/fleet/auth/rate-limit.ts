/**
 * Failed-authentication limit per client IP: a token bucket. Each IP starts with `burst` allowances; every
 * rejected token spends one, and one comes back every `refillMs`. With the defaults (burst 10, one back
 * every 6 s) a client gets 10 wrong guesses at once and then 10 a minute: nothing for a misconfigured
 * worker that retries, hopeless for guessing a 256-bit token, and cheap to keep (one small entry per IP
 * that recently failed; an IP whose bucket has refilled is forgotten).
 */
export interface FailedAuthLimit {
  burst: number;
  refillMs: number;
  /** Most IPs remembered; past it, refilled buckets and then the oldest are dropped. */
  maxClients: number;
}

export const DEFAULT_FAILED_AUTH_LIMIT: FailedAuthLimit = { burst: 10, refillMs: 6_000, maxClients: 10_000 };

interface Bucket {
  tokens: number;
  at: number;
}

export class FailedAuthLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: FailedAuthLimit = DEFAULT_FAILED_AUTH_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `ip` may try again (0: it may try now). */
  retryAfterSec(ip: string): number {
    const b = this.current(ip);
    if (b === undefined || b.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - b.tokens) * this.limit.refillMs) / 1000));
  }

  /** Spends one allowance of `ip` on a rejected token. */
  recordFailure(ip: string): void {
    const b = this.current(ip) ?? { tokens: this.limit.burst, at: this.now() };
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.delete(ip); // re-inserted last: Map order is then least recently failed first
    this.buckets.set(ip, b);
    if (this.buckets.size > this.limit.maxClients) this.evict();
  }

  /** The bucket refilled up to now, or undefined when it is full (the IP owes nothing). */
  private current(ip: string): Bucket | undefined {
    const b = this.buckets.get(ip);
    if (b === undefined) return undefined;
    const now = this.now();
    b.tokens = Math.min(this.limit.burst, b.tokens + (now - b.at) / this.limit.refillMs);
    b.at = now;
    if (b.tokens >= this.limit.burst) {
      this.buckets.delete(ip);
      return undefined;
    }
    return b;
  }

  private evict(): void {
    for (const ip of [...this.buckets.keys()]) this.current(ip);
    for (const ip of this.buckets.keys()) {
      if (this.buckets.size <= this.limit.maxClients) break;
      this.buckets.delete(ip);
    }
  }
}
