/**
 * The worker's side of the coordinator API (src/fleet/coordinator/app.ts), over plain fetch. The token only
 * ever goes into the Authorization header: no message of this module contains it, nor a lease token.
 */
import { describeError, TemporalCIError } from '../../errors.js';
import type { JobSpec, LeaseRefusal } from '../api/types.js';

export interface CompletePayload {
  record: unknown;
  files: { name: string; size: number }[];
  gpu_s: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CoordinatorClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async post(route: string, body: unknown): Promise<Response> {
    return fetch(`${this.base}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    let message = text.slice(0, 500);
    try {
      const j = JSON.parse(text) as { error?: { message?: string; hint?: string } };
      if (j.error?.message) message = j.error.message + (j.error.hint ? ` (${j.error.hint})` : '');
    } catch {
      // Not JSON (a proxy's page): the text itself is the best description.
    }
    throw new TemporalCIError(
      'RUN_FAILED',
      `coordinator refused to ${what}: HTTP ${res.status}: ${message}`,
      {
        hint:
          res.status === 401 || res.status === 403
            ? 'check --token: it must be a worker token of this coordinator'
            : 'see the coordinator log',
      },
    );
  }

  async claim(
    worker: string,
    labels: Record<string, string> = {},
    allowAdapters: readonly string[] = [],
  ): Promise<JobSpec | null | 'draining'> {
    const res = await this.post('/v1/leases/claim', { worker, labels, allow_adapters: allowAdapters });
    if (res.status === 204) return null;
    if (res.status === 409) {
      const { reason } = (await res.clone().json()) as { reason?: string };
      if (reason === 'draining') return 'draining';
      return this.fail(res, 'hand out a job');
    }
    if (!res.ok) return this.fail(res, 'hand out a job');
    return (await res.json()) as JobSpec;
  }

  /** 'ok', or why the lease is over (the sample must stop). */
  async heartbeat(lease: string): Promise<'ok' | LeaseRefusal> {
    const res = await this.post(`/v1/leases/${lease}/heartbeat`, {});
    if (res.status === 409) return ((await res.json()) as { reason: LeaseRefusal }).reason;
    if (!res.ok) return this.fail(res, 'extend a lease');
    return 'ok';
  }

  /**
   * A POST that rides out a coordinator restart: a refused connection or a 502/503/504 (a load balancer
   * with no replica behind it) is tried again with backoff, about 15 s in all (less than a lease, so a
   * lease this worker holds is still its own when the coordinator is back). Other answers come back as
   * they are.
   */
  private async postThroughOutage(route: string, body: unknown, attempts = 7): Promise<Response> {
    for (let i = 0; ; i++) {
      try {
        const res = await this.post(route, body);
        if (![502, 503, 504].includes(res.status) || i === attempts - 1) return res;
      } catch (e) {
        if (i === attempts - 1) throw e;
      }
      await sleep(Math.min(8_000, 250 * 2 ** i));
    }
  }

  async uploads(lease: string, files: readonly string[]): Promise<Record<string, string> | LeaseRefusal> {
    const res = await this.postThroughOutage(`/v1/leases/${lease}/uploads`, { files });
    if (res.status === 409) return ((await res.json()) as { reason: LeaseRefusal }).reason;
    if (!res.ok) return this.fail(res, 'sign uploads');
    return ((await res.json()) as { urls: Record<string, string> }).urls;
  }

  /**
   * Completes with retry and backoff until the coordinator answers 200 (recorded, also for a retry of a
   * complete that got through) or 409 (the lease is no longer this worker's). Other answers are retried:
   * the result is worth a GPU-minute and the coordinator may be restarting.
   */
  async complete(lease: string, payload: CompletePayload, attempts = 8): Promise<'ok' | LeaseRefusal> {
    let last = '';
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await this.post(`/v1/leases/${lease}/complete`, payload);
        if (res.ok) return 'ok';
        if (res.status === 409) return ((await res.json()) as { reason: LeaseRefusal }).reason;
        if (res.status >= 400 && res.status < 500) return this.fail(res, 'record a result');
        last = `HTTP ${res.status}`;
      } catch (e) {
        if (e instanceof TemporalCIError) throw e;
        last = describeError(e);
      }
      await sleep(Math.min(30_000, 250 * 2 ** i));
    }
    throw new TemporalCIError('RUN_FAILED', `could not complete a job after ${attempts} tries: ${last}`, {
      hint: 'is the coordinator up? the lease expires and the sample is handed to another worker',
    });
  }

  async failJob(lease: string, error: string): Promise<void> {
    const res = await this.postThroughOutage(`/v1/leases/${lease}/fail`, { error: error.slice(0, 4000) });
    if (!res.ok && res.status !== 409) await this.fail(res, 'take a job back');
  }
}
