/**
 * The admin API (an `admin` token): the fleet's workers and draining one. Draining is how an operator
 * takes a GPU box out of the fleet without losing work: the worker finishes the job it holds, its result
 * is recorded, and its next claim is answered "draining", on which `temporalci worker` exits 0. A worker
 * of that name that starts again stays drained until `undrain`.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { TemporalCIError } from '../../errors.js';
import type { Database } from '../../store/postgres/connection.js';
import { listWorkers, setDraining } from './workers.js';

// biome-ignore lint/suspicious/noExplicitAny: the app's own Env, whatever its variables
export function registerAdminRoutes<E extends Record<string, any>>(
  app: Hono<E>,
  db: Database,
  admin: MiddlewareHandler<E>,
): void {
  app.get('/v1/admin/workers', admin, async (c) => c.json({ workers: await listWorkers(db) }));

  for (const [method, draining] of [
    ['post', true],
    ['delete', false],
  ] as const) {
    app[method]('/v1/admin/workers/:name/drain', admin, async (c) => {
      const name = c.req.param('name');
      if (!(await setDraining(db, name, draining))) {
        throw new TemporalCIError('RUN_NOT_FOUND', `no worker named "${name}" has ever claimed a job here`, {
          hint: 'see GET /v1/admin/workers (temporalci workers list) for the names',
        });
      }
      return c.json({ name, draining });
    });
  }
}
