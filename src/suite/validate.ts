import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { adapterNames, findBuiltinAdapter, isModulePath } from '../adapters/registry.js';
import type { AdapterDefinition } from '../adapters/types.js';
import type { SuiteIssue } from '../errors.js';
import { pairedTestParamsSchema } from '../gates/paired-test-params.js';
import { SPRT_OPS, sprtParamsSchema } from '../gates/sprt-params.js';
import { thresholdParamsSchema } from '../gates/threshold-params.js';
import { findMetric, metricNames } from '../metrics/registry.js';
import type { MetricDefinition } from '../metrics/types.js';
import { gateSchema, type MetricConfig, metricSchema, modelSchema } from '../schema/suite.js';
import {
  didYouMean,
  mapZodIssues,
  type PathSegment,
  quoteList,
  type SourceLocator,
  valueAt,
} from './issues.js';

/**
 * Checks that need the registries: adapter and metric names and params, duplicate names, gate paths and
 * gate params. Each section is checked on its own once it passes the schema, so one bad gate does not hide
 * problems in the others.
 */

export interface SuiteRegistries {
  findAdapter(name: string): AdapterDefinition<Record<string, unknown>> | undefined;
  isModulePath(name: string): boolean;
  findMetric(name: string): MetricDefinition<Record<string, unknown>> | undefined;
  adapterNames(): string[];
  metricNames(): string[];
}

export function defaultRegistries(): SuiteRegistries {
  return { findAdapter: findBuiltinAdapter, isModulePath, findMetric, adapterNames, metricNames };
}

export interface RegistryCheckContext {
  locator: SourceLocator;
  /** The raw data (after YAML, before zod), for positions and for sections that failed the full schema. */
  data: unknown;
  suiteDir: string;
  registries: SuiteRegistries;
}

function listAt(data: unknown, key: string): unknown[] {
  const v = valueAt(data, [key]);
  return Array.isArray(v) ? v : [];
}

function checkParams(
  schema: z.ZodType,
  params: Record<string, unknown>,
  base: PathSegment[],
  ctx: RegistryCheckContext,
  out: SuiteIssue[],
): unknown {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  out.push(...mapZodIssues(r.error.issues, { locator: ctx.locator, data: params, schema, base }));
  return undefined;
}

function duplicates(
  names: (string | undefined)[],
  field: string,
  section: string,
  ctx: RegistryCheckContext,
) {
  const out: SuiteIssue[] = [];
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    if (n === undefined) return;
    const key = n.toLowerCase();
    const prev = first.get(key);
    if (prev === undefined) {
      first.set(key, i);
      return;
    }
    const at = ctx.locator.locate([section, prev, field]);
    out.push(
      ctx.locator.issue([section, i, field], `duplicate ${LABELS[section] ?? field} "${n}"`, {
        expected: `a ${field} not used by another entry of ${section}`,
        found: `string "${n}", already used at line ${at.line}`,
        hint: `rename one of them; each entry of ${section} needs its own ${field}`,
      }),
    );
  });
  return out;
}

const LABELS: Record<string, string> = { models: 'model name', metrics: 'metric name', tests: 'test id' };

async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function checkModels(ctx: RegistryCheckContext, out: SuiteIssue[]): Promise<void> {
  const raw = listAt(ctx.data, 'models');
  const names: (string | undefined)[] = [];
  for (const [i, item] of raw.entries()) {
    const r = modelSchema.safeParse(item);
    if (!r.success) {
      names.push(undefined);
      continue;
    }
    const m = r.data;
    names.push(m.name);
    const def = ctx.registries.findAdapter(m.adapter);
    if (def) {
      checkParams(def.params, m.params, ['models', i, 'params'], ctx, out);
    } else if (ctx.registries.isModulePath(m.adapter)) {
      const abs = path.resolve(ctx.suiteDir, m.adapter);
      if (!(await exists(abs))) {
        out.push(
          ctx.locator.issue(['models', i, 'adapter'], `adapter module not found: ${abs}`, {
            expected: 'a built-in adapter name or an existing module file',
            found: `string "${m.adapter}"`,
            hint: 'module paths are resolved relative to the suite file folder',
          }),
        );
      }
    } else {
      const known = ctx.registries.adapterNames();
      const guess = didYouMean(m.adapter, known);
      out.push(
        ctx.locator.issue(['models', i, 'adapter'], `unknown adapter "${m.adapter}"`, {
          expected: known.length > 0 ? `one of ${quoteList(known)}, or a module path` : 'a module path',
          found: `string "${m.adapter}"`,
          hint: guess
            ? `did you mean \`${guess}\`?`
            : 'use a built-in adapter or a module path such as ./my-adapter.js',
        }),
      );
    }
  }
  out.push(...duplicates(names, 'name', 'models', ctx));
}

interface KnownMetric {
  config: MetricConfig;
  def?: MetricDefinition<Record<string, unknown>>;
  /** Parsed params, when they validated. */
  params?: Record<string, unknown>;
}

function checkMetrics(ctx: RegistryCheckContext, out: SuiteIssue[]): Map<string, KnownMetric> {
  const known = new Map<string, KnownMetric>();
  const names: (string | undefined)[] = [];
  for (const [i, item] of listAt(ctx.data, 'metrics').entries()) {
    const r = metricSchema.safeParse(item);
    if (!r.success) {
      names.push(undefined);
      continue;
    }
    names.push(r.data.name);
    const def = ctx.registries.findMetric(r.data.name);
    const entry: KnownMetric = { config: r.data };
    if (!def) {
      const all = ctx.registries.metricNames();
      const guess = didYouMean(r.data.name, all);
      out.push(
        ctx.locator.issue(['metrics', i, 'name'], `unknown metric "${r.data.name}"`, {
          expected: all.length > 0 ? `one of ${quoteList(all)}` : 'a registered metric',
          found: `string "${r.data.name}"`,
          hint: guess ? `did you mean \`${guess}\`?` : 'see `temporalci list` for the metrics',
        }),
      );
    } else {
      entry.def = def;
      const params = checkParams(def.params, r.data.params, ['metrics', i, 'params'], ctx, out);
      if (params !== undefined) entry.params = params as Record<string, unknown>;
    }
    if (!known.has(r.data.name)) known.set(r.data.name, entry);
  }
  out.push(...duplicates(names, 'name', 'metrics', ctx));
  return known;
}

function checkGates(ctx: RegistryCheckContext, metrics: Map<string, KnownMetric>, out: SuiteIssue[]): void {
  const L = ctx.locator;
  const listed = [...metrics.keys()];
  const known = new Set(Object.keys(gateSchema.shape));
  for (const [i, item] of listAt(ctx.data, 'gates').entries()) {
    // An unknown key is already reported by the schema pass; it must not hide a bad path in the same gate.
    const knownOnly =
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).filter(([k]) => known.has(k)))
        : item;
    const r = gateSchema.safeParse(knownOnly);
    if (!r.success) continue;
    const g = r.data;
    const at = (...rest: PathSegment[]): PathSegment[] => ['gates', i, ...rest];
    const dot = g.metric.indexOf('.');
    const head = dot < 0 ? g.metric : g.metric.slice(0, dot);
    const rest = dot < 0 ? '' : g.metric.slice(dot + 1);
    const m = metrics.get(head);
    let perSample: boolean | undefined;
    if (!m) {
      const guess = didYouMean(head, listed);
      out.push(
        L.issue(at('metric'), `gate metric "${head}" is not listed under \`metrics:\``, {
          expected:
            listed.length > 0 ? `a path starting with ${quoteList(listed)}` : 'a metric listed in this suite',
          found: `string "${g.metric}"`,
          hint: guess
            ? `did you mean \`${guess}\`?`
            : `add it to \`metrics:\` (listed: ${listed.join(', ') || 'none'})`,
        }),
      );
    } else if (m.def && m.params) {
      const sample = m.def.paths(m.params);
      const summary = m.def.summaryPaths?.(m.params) ?? [];
      if (sample.includes(rest)) perSample = true;
      else if (summary.includes(rest)) perSample = false;
      else {
        const all = [...sample, ...summary].map((p) => `${head}.${p}`);
        const guess = didYouMean(g.metric, all);
        out.push(
          L.issue(at('metric'), `metric ${head} has no value "${rest}"`, {
            expected: `one of ${quoteList(all)}`,
            found: `string "${g.metric}"`,
            hint: guess ? `did you mean \`${guess}\`?` : `gate paths look like \`${head}.<path>\``,
          }),
        );
      }
    }
    if (perSample === false && g.aggregate !== 'mean') {
      out.push(
        L.issue(
          at('aggregate'),
          `aggregate ${g.aggregate} needs a per-sample value; ${g.metric} is run-level`,
          {
            expected: '`mean` (or remove the key)',
            found: `string "${g.aggregate}"`,
          },
        ),
      );
    }
    if (g.min_failures !== undefined && g.min_failures > g.window) {
      out.push(
        L.issue(at('min_failures'), `min_failures (${g.min_failures}) must be <= window (${g.window})`, {
          expected: `an integer from 0 to ${g.window}`,
          found: `number ${g.min_failures}`,
          hint:
            g.window === 0
              ? 'min_failures only applies with `window:` > 0'
              : 'lower min_failures or widen window',
        }),
      );
    }
    const ordering = g.op !== '==' && g.op !== '!=';
    if (ordering && typeof g.value !== 'number') {
      out.push(
        L.issue(at('value'), `op ${g.op} compares numbers`, {
          expected: 'a number',
          found: `${typeof g.value} ${JSON.stringify(g.value)}`,
          hint: typeof g.value === 'string' ? 'remove the quotes around the number' : undefined,
        }),
      );
    }
    const base = at('params');
    if (g.method === 'threshold') {
      checkParams(thresholdParamsSchema, g.params, base, ctx, out);
    } else {
      checkParams(
        g.method === 'paired_test' ? pairedTestParamsSchema : sprtParamsSchema,
        g.params,
        base,
        ctx,
        out,
      );
      if (!(SPRT_OPS as readonly string[]).includes(g.op)) {
        out.push(
          L.issue(at('op'), `method ${g.method} needs a directional op`, {
            expected: `one of ${quoteList(SPRT_OPS)}`,
            found: `string "${g.op}"`,
          }),
        );
      }
      if (perSample === false) {
        out.push(
          L.issue(at('metric'), `${g.method} pairs per-sample values; ${g.metric} is run-level`, {
            expected: 'a per-sample path',
            found: `string "${g.metric}"`,
          }),
        );
      }
    }
  }
}

/** Every registry-dependent issue in the suite. */
export async function checkRegistries(ctx: RegistryCheckContext): Promise<SuiteIssue[]> {
  const out: SuiteIssue[] = [];
  await checkModels(ctx, out);
  const metrics = checkMetrics(ctx, out);
  checkGates(ctx, metrics, out);
  const ids = listAt(ctx.data, 'tests').map((t) => {
    const id = valueAt(t, ['id']);
    return typeof id === 'string' ? id : undefined;
  });
  out.push(...duplicates(ids, 'id', 'tests', ctx));
  return out;
}
