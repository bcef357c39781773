import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { adapterNames, findBuiltinAdapter, isModulePath } from '../adapters/registry.js';
import type { AdapterMeta } from '../adapters/types.js';
import type { SuiteIssue } from '../errors.js';
import { splitMetricPath } from '../gates/evaluate.js';
import { gateMethod } from '../gates/registry.js';
import { type GateFinding, type GateRule, SHARED_GATE_RULES } from '../gates/rules.js';
import { findMetric, metricNames } from '../metrics/registry.js';
import type { MetricMeta } from '../metrics/types.js';
import {
  type GateConfig,
  gateSchema,
  type MetricConfig,
  metricSchema,
  modelSchema,
} from '../schema/suite.js';
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
  findAdapter(name: string): AdapterMeta<Record<string, unknown>> | undefined;
  isModulePath(name: string): boolean;
  findMetric(name: string): MetricMeta<Record<string, unknown>> | undefined;
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
  def?: MetricMeta<Record<string, unknown>>;
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

/** The gates that pass the schema, with their index in the file. */
function parsedGates(ctx: RegistryCheckContext): { index: number; gate: GateConfig }[] {
  const known = new Set(Object.keys(gateSchema.shape));
  return listAt(ctx.data, 'gates').flatMap((item, index) => {
    // An unknown key is already reported by the schema pass; it must not hide a bad path in the same gate.
    const knownOnly =
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).filter(([k]) => known.has(k)))
        : item;
    const r = gateSchema.safeParse(knownOnly);
    return r.success ? [{ index, gate: r.data }] : [];
  });
}

/** Where one gate sits in the file, for its issues. */
interface GateSite {
  gate: GateConfig;
  at: (...rest: PathSegment[]) => PathSegment[];
}

/** Rule gateMetricListed: a gate's path starts with a metric listed under `metrics:`. */
function gateMetricListed(
  site: GateSite,
  head: string,
  metrics: Map<string, KnownMetric>,
  ctx: RegistryCheckContext,
): SuiteIssue | null {
  if (metrics.has(head)) return null;
  const listed = [...metrics.keys()];
  const guess = didYouMean(head, listed);
  return ctx.locator.issue(site.at('metric'), `gate metric "${head}" is not listed under \`metrics:\``, {
    expected:
      listed.length > 0 ? `a path starting with ${quoteList(listed)}` : 'a metric listed in this suite',
    found: `string "${site.gate.metric}"`,
    hint: guess
      ? `did you mean \`${guess}\`?`
      : `add it to \`metrics:\` (listed: ${listed.join(', ') || 'none'})`,
  });
}

/**
 * Rule gatePathExists: the rest of the path is one of the metric's values. Also says whether that value is
 * per-sample (true) or run-level (false); undefined when the metric or its params could not be checked.
 */
function gatePathExists(
  site: GateSite,
  head: string,
  rest: string,
  m: KnownMetric,
  ctx: RegistryCheckContext,
): { issue: SuiteIssue | null; perSample: boolean | undefined } {
  if (!m.def || !m.params) return { issue: null, perSample: undefined };
  const sample = m.def.paths(m.params);
  const summary = m.def.summaryPaths?.(m.params) ?? [];
  if (sample.includes(rest)) return { issue: null, perSample: true };
  if (summary.includes(rest)) return { issue: null, perSample: false };
  const all = [...sample, ...summary].map((p) => `${head}.${p}`);
  const guess = didYouMean(site.gate.metric, all);
  const issue = ctx.locator.issue(site.at('metric'), `metric ${head} has no value "${rest}"`, {
    expected: `one of ${quoteList(all)}`,
    found: `string "${site.gate.metric}"`,
    hint: guess ? `did you mean \`${guess}\`?` : `gate paths look like \`${head}.<path>\``,
  });
  return { issue, perSample: undefined };
}

/** The gate's metric path, checked: listed metric, existing value, and whether it is per-sample. */
function checkGatePath(
  site: GateSite,
  metrics: Map<string, KnownMetric>,
  ctx: RegistryCheckContext,
  out: SuiteIssue[],
): boolean | undefined {
  const { metric: head, leaf: rest } = splitMetricPath(site.gate.metric);
  const unlisted = gateMetricListed(site, head, metrics, ctx);
  if (unlisted) {
    out.push(unlisted);
    return undefined;
  }
  const path = gatePathExists(site, head, rest, metrics.get(head)!, ctx);
  if (path.issue) out.push(path.issue);
  return path.perSample;
}

/** A registry rule's finding, at its key of this gate. */
function findingIssue(site: GateSite, f: GateFinding, ctx: RegistryCheckContext): SuiteIssue {
  return ctx.locator.issue(site.at(f.key), f.message, {
    expected: f.expected,
    found: f.found,
    hint: f.hint,
  });
}

/**
 * One gate: its path, the rules every gate gets, rule methodParams (the method's params schema from the
 * gate registry), then the method's own rules, in that order so the issues read top to bottom.
 */
function checkGate(
  site: GateSite,
  metrics: Map<string, KnownMetric>,
  ctx: RegistryCheckContext,
  out: SuiteIssue[],
): void {
  const perSample = checkGatePath(site, metrics, ctx, out);
  const facts = { gate: site.gate, perSample };
  const method = gateMethod(site.gate);
  const apply = (rules: readonly GateRule[]) => {
    for (const rule of rules) {
      const f = rule(facts);
      if (f) out.push(findingIssue(site, f, ctx));
    }
  };
  apply(SHARED_GATE_RULES);
  checkParams(method.params, site.gate.params, site.at('params'), ctx, out);
  apply(method.rules);
}

function checkGates(ctx: RegistryCheckContext, metrics: Map<string, KnownMetric>, out: SuiteIssue[]): void {
  for (const { index, gate } of parsedGates(ctx)) {
    checkGate({ gate, at: (...rest) => ['gates', index, ...rest] }, metrics, ctx, out);
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
