import { z } from 'zod';
import { redact } from '../../platform/env.js';

/**
 * The suite-named refusal signal of the `http` adapter. Hosted video models refuse in their own ways: a
 * status (451 Unavailable For Legal Reasons, 403, a 400 with `error.code: content_policy_violation`) or a
 * field in a 2xx JSON reply (`{"refused": true}`). A response matching the suite's signal is a refusal, not
 * an error, and is never retried.
 */

const jsonScalar = z.union([z.string(), z.number(), z.boolean()]);

export const httpRefusalSchema = z
  .strictObject({
    statuses: z
      .array(z.int().min(400).max(599))
      .default([])
      .describe('HTTP statuses that mean "refused" (e.g. [451, 403]); such a response is not retried'),
    json_field: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted field path such as "refused" or "error.code"')
      .optional()
      .describe('dotted path of a field in a JSON reply (success or error body) that signals a refusal'),
    json_values: z
      .array(jsonScalar)
      .min(1)
      .optional()
      .describe('values of json_field that mean "refused" (default [true])'),
  })
  .superRefine((r, ctx) => {
    if (r.statuses.length === 0 && r.json_field === undefined) {
      ctx.addIssue({ code: 'custom', message: 'name at least one of statuses or json_field' });
    }
    if (r.json_values !== undefined && r.json_field === undefined) {
      ctx.addIssue({ code: 'custom', path: ['json_values'], message: 'json_values needs json_field' });
    }
  });

export type HttpRefusal = z.output<typeof httpRefusalSchema>;

type Scalar = z.output<typeof jsonScalar>;

function fieldAt(value: unknown, dotted: string): unknown {
  let cur: unknown = value;
  for (const key of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Decides whether a response is a refusal; each method returns the reason, or undefined when it is not. */
export class RefusalSignal {
  private readonly statuses: ReadonlySet<number>;
  private readonly values: readonly Scalar[];

  constructor(
    private readonly spec: HttpRefusal,
    private readonly secrets: readonly string[],
  ) {
    this.statuses = new Set(spec.statuses);
    this.values = spec.json_values ?? [true];
  }

  /** A parsed JSON reply whose `json_field` holds one of `json_values`. */
  fromJson(value: unknown): string | undefined {
    const field = this.spec.json_field;
    if (field === undefined) return undefined;
    const found = fieldAt(value, field);
    if (!this.values.some((v) => v === found)) return undefined;
    return redact(`${field} = ${JSON.stringify(found)}`, this.secrets);
  }

  /** A non-2xx response: its status is listed, or its (JSON) body carries the field. */
  fromError(status: number, body: string): string | undefined {
    const byField = this.fromJson(parseJson(body));
    if (this.statuses.has(status))
      return byField === undefined ? `HTTP ${status}` : `HTTP ${status}, ${byField}`;
    return byField === undefined ? undefined : `HTTP ${status}, ${byField}`;
  }
}
