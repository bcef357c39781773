/**
 * The coordinator's HTTP API (v1, ../shared/reference/fleet.md §3.3) as a Hono app over its ports, so it
 * runs in-process in tests (`app.request()`) and behind `@hono/node-server` in `temporalci serve`. Every
 * route but /healthz needs `Authorization: Bearer <token>` of the right role: 401 without a known token, 403
 * for another role. Errors answer `{error: {code, message, hint}}`; nothing secret is ever in an answer.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { describeError, TemporalCIError } from '../../errors.js';
import { makeScratchDir, removeDir } from '../../platform/fs.js';
import type { SampleRecord } from '../../schema/run.js';
import type { Database } from '../../store/postgres/connection.js';
import type { S3ArtifactStore } from '../../store/s3/store.js';
import type { Warn } from '../../store/types.js';
import { claimBody, completeBody, failBody, submitRunBody, uploadsBody } from '../api/types.js';
import type { Principal, Role, TokenVerifier } from '../auth/port.js';
import { registerAdminRoutes } from './admin.js';
import type { Dispatcher } from './dispatch.js';
import { fleetMetrics, readiness } from './observe.js';
import { checkIdempotencyKey, submitOnce } from './submit-once.js';
import { isDraining } from './workers.js';

export interface CoordinatorApp {
  dispatcher: Dispatcher;
  db: Database;
  artifacts: S3ArtifactStore;
  tokens: TokenVerifier;
  warn: Warn;
  /** Largest bundle accepted, bytes. */
  maxBundleBytes?: number;
}

type Env = { Variables: { principal: Principal } };

const STATUS_OF: Partial<Record<string, 400 | 404 | 409 | 413 | 422 | 503>> = {
  USAGE: 400,
  SUITE_INVALID: 400,
  SUITE_NOT_FOUND: 400,
  YAML_SYNTAX: 400,
  GATE_INVALID: 400,
  BASELINE_INVALID: 400,
  METRIC_UNKNOWN: 400,
  ADAPTER_UNKNOWN: 400,
  BUNDLE_INVALID: 400,
  PATH_UNSAFE: 400,
  RUN_NOT_FOUND: 404,
  RUN_LOCKED: 409,
  FLEET_NO_WORKER: 409,
  SUBMISSION_IN_PROGRESS: 409,
  IDEMPOTENCY_MISMATCH: 422,
  DATABASE_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
};

/** A token of the given role, or of any role when `role` is null (read-only aggregates such as /metrics). */
function requireRole(tokens: TokenVerifier, role: Role | null): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer (\S+)$/.exec(header);
    const principal = m ? await tokens.verify(m[1] as string) : null;
    if (principal === null) {
      return c.json(
        {
          error: {
            code: 'UNAUTHORIZED',
            message: 'no valid API token',
            hint: 'send Authorization: Bearer <token> (`temporalci tokens create`)',
          },
        },
        401,
      );
    }
    if (role !== null && principal.role !== role) {
      return c.json(
        {
          error: {
            code: 'FORBIDDEN',
            message: `this needs a ${role} token, not a ${principal.role} token`,
            hint: `create a ${role} token`,
          },
        },
        403,
      );
    }
    c.set('principal', principal);
    await next();
  };
}

async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const raw: unknown = await c.req.json().catch(() => {
    throw new TemporalCIError('USAGE', 'the request body is not JSON', {
      hint: 'send Content-Type: application/json',
    });
  });
  const r = schema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new TemporalCIError(
      'USAGE',
      `invalid request: ${first?.path.join('.') || 'body'}: ${first?.message}`,
      {
        hint: 'see docs/fleet.md for the API',
      },
    );
  }
  return r.data;
}

const refused = (c: Context, reason: string) => c.json({ reason }, 409);

export function createCoordinatorApp(ports: CoordinatorApp): Hono<Env> {
  const app = new Hono<Env>();
  const { dispatcher: d } = ports;
  const submit = requireRole(ports.tokens, 'submit');
  const worker = requireRole(ports.tokens, 'worker');

  app.onError((e, c) => {
    if (e instanceof TemporalCIError) {
      const status = STATUS_OF[e.code] ?? 500;
      if (status === 500) ports.warn(`coordinator: ${e.code}: ${e.message}`);
      return c.json({ error: { code: e.code, message: e.message, hint: e.hint ?? null } }, status);
    }
    ports.warn(`coordinator: internal error on ${c.req.method} ${c.req.routePath}: ${describeError(e)}`);
    return c.json(
      { error: { code: 'INTERNAL', message: 'internal error; see the coordinator log', hint: null } },
      500,
    );
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  // Unauthenticated, as load balancers and Kubernetes probes call it; it names services, never hosts.
  app.get('/readyz', async (c) => {
    const r = await readiness(ports);
    return c.json(r, r.ready ? 200 : 503);
  });

  // Any valid token (Prometheus sends one with `authorization: { credentials_file: … }`): queue depth and
  // run counts are not secret, but they are not for the whole network either.
  app.get('/metrics', requireRole(ports.tokens, null), async (c) =>
    c.text(await fleetMetrics(ports), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );

  app.put('/v1/bundles/:sha256', submit, async (c) => {
    const sha = c.req.param('sha256');
    if (!/^[0-9a-f]{64}$/.test(sha))
      throw new TemporalCIError('USAGE', `"${sha}" is not a sha256`, {
        hint: 'PUT /v1/bundles/<lower-case hex sha256>',
      });
    if (await ports.artifacts.hasBundle(sha)) return c.json({ sha256: sha, stored: false });
    const bytes = Buffer.from(await c.req.arrayBuffer());
    const max = ports.maxBundleBytes ?? 4 * 1024 ** 3;
    if (bytes.length > max)
      throw new TemporalCIError('USAGE', `the bundle is ${bytes.length} bytes, over ${max}`, {
        hint: 'reference fewer or smaller files',
      });
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha)
      throw new TemporalCIError('BUNDLE_INVALID', `the body hashes to ${got}, not ${sha}`, {
        hint: 'send the bundle file unchanged',
      });
    const dir = await makeScratchDir('tci-bundle-in-');
    try {
      const file = path.join(dir, `${sha}.tar.gz`);
      await writeFile(file, bytes);
      await ports.artifacts.putBundle(sha, file);
    } finally {
      await removeDir(dir);
    }
    return c.json({ sha256: sha, stored: true }, 201);
  });

  app.post('/v1/runs', submit, async (c) => {
    const body = await parseBody(c, submitRunBody);
    const principal = c.get('principal');
    const key = c.req.header('idempotency-key');
    if (key === undefined) return c.json(await d.submit(body, principal.name), 201);
    const { view, created } = await submitOnce({
      db: ports.db,
      principal: principal.tokenId,
      key: checkIdempotencyKey(key),
      body,
      start: () => d.submit(body, principal.name),
      view: (id) => d.view(id),
    });
    return c.json(view, created ? 201 : 200);
  });

  app.get('/v1/runs/:id', submit, (c) => {
    const view = d.view(c.req.param('id'));
    if (view === null)
      return c.json(
        { error: { code: 'RUN_NOT_FOUND', message: `no run ${c.req.param('id')}`, hint: null } },
        404,
      );
    return c.json(view);
  });

  registerAdminRoutes(app, ports.db, requireRole(ports.tokens, 'admin'));

  app.post('/v1/leases/claim', worker, async (c) => {
    const body = await parseBody(c, claimBody);
    if (await isDraining(ports.db, body.worker)) return refused(c, 'draining');
    const spec = await d.claim(body.worker, body.labels, body.allow_adapters);
    return spec === null ? c.body(null, 204) : c.json(spec);
  });

  app.post('/v1/leases/:token/heartbeat', worker, async (c) => {
    const r = await d.heartbeat(c.req.param('token'));
    return typeof r === 'string' ? refused(c, r) : c.json(r);
  });

  app.post('/v1/leases/:token/uploads', worker, async (c) => {
    const body = await parseBody(c, uploadsBody);
    const r = await d.uploads(c.req.param('token'), body.files);
    return typeof r === 'string' ? refused(c, r) : c.json({ urls: r });
  });

  app.post('/v1/leases/:token/complete', worker, async (c) => {
    const body = await parseBody(c, completeBody);
    const r = await d.complete(
      c.req.param('token'),
      { record: body.record as unknown as SampleRecord, files: body.files, gpu_s: body.gpu_s },
      c.get('principal').name,
    );
    return r === 'ok' ? c.json({ ok: true }) : refused(c, r);
  });

  app.post('/v1/leases/:token/fail', worker, async (c) => {
    const body = await parseBody(c, failBody);
    const r = await d.fail(c.req.param('token'), body.error);
    return r === 'ok' ? c.json({ ok: true }) : refused(c, r);
  });

  return app;
}
