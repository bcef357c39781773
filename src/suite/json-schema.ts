import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BUILTIN_ADAPTERS } from '../adapters/registry.js';
import { GATE_METHODS } from '../gates/registry.js';
import { METRICS } from '../metrics/registry.js';
import type { MetricMeta } from '../metrics/types.js';
import { GATE_METHOD_NAMES, suiteInputSchema } from '../schema/suite.js';
import { PRESET_NAMES } from './presets.js';

export const SUITE_SCHEMA_ID = 'https://temporalci.dev/schema/suite-v1.json';

type Json = Record<string, unknown>;

/** A zod schema as a JSON Schema fragment (input side: keys with defaults are optional). */
function fragment(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** `params:` may be absent or null (= {}), else it must match the definition's own params. */
const nullableParams = (schema: z.ZodType): Json => ({ anyOf: [fragment(schema), { type: 'null' }] });

/**
 * `if <key> is <name> then params must match`, one branch per registry entry, so editors complete params.
 * The branch of `byDefault` also applies when the key is absent (it is that key's default).
 */
function paramsByName(key: string, entries: [string, z.ZodType][], byDefault?: string): Json[] {
  return entries.map(([name, params]) => ({
    if: { properties: { [key]: { const: name } }, ...(name === byDefault ? {} : { required: [key] }) },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited
    then: { properties: { params: nullableParams(params) } },
  }));
}

const metricDefs = (): [string, MetricMeta<Record<string, unknown>>][] =>
  Object.entries(METRICS).map(([n, d]) => [n, d.meta as unknown as MetricMeta<Record<string, unknown>>]);

/** Every gate path of every metric with its default params, e.g. `vbench_temporal.score`. */
export function defaultGatePaths(): string[] {
  const paths = new Set<string>();
  for (const [name, def] of metricDefs().sort(([a], [b]) => a.localeCompare(b))) {
    const parsed = def.params.safeParse({});
    if (!parsed.success) continue;
    for (const p of [...def.paths(parsed.data), ...(def.summaryPaths?.(parsed.data) ?? [])])
      paths.add(`${name}.${p}`);
  }
  return [...paths];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function withRegistries(base: Json): Json {
  const props = base.properties as Record<string, Json>;
  const model = (props.models as Json).items as Json;
  const modelProps = model.properties as Record<string, Json>;
  const adapterNames = Object.keys(BUILTIN_ADAPTERS).sort();
  // Adapters are an open set: a module path is also accepted (src/adapters/registry.ts isModulePath).
  modelProps.adapter = {
    ...modelProps.adapter,
    anyOf: [{ enum: adapterNames }, { type: 'string', pattern: '^[./]|\\.(m?js|ts)$' }],
  };
  model.allOf = paramsByName(
    'adapter',
    Object.entries(BUILTIN_ADAPTERS).map(([n, d]) => [n, d.meta.params as z.ZodType]),
  );

  const metric = (props.metrics as Json).items as Json;
  const metricNames = metricDefs()
    .map(([n]) => n)
    .sort();
  (metric.properties as Record<string, Json>).name = {
    ...(metric.properties as Record<string, Json>).name,
    enum: metricNames,
  };
  metric.allOf = paramsByName(
    'name',
    metricDefs().map(([n, d]) => [n, d.params]),
  );

  const [gate, preset] = ((props.gates as Json).items as Json).anyOf as Json[];
  const gateProps = (gate as Json).properties as Record<string, Json>;
  // Paths depend on params (a log_regex pattern name, a safety policy), so the enum lists the paths of the
  // default params for completion and the pattern accepts any path under a known metric.
  gateProps.metric = {
    ...gateProps.metric,
    anyOf: [
      { enum: defaultGatePaths() },
      { type: 'string', pattern: `^(${metricNames.map(escapeRe).join('|')})\\..+$` },
    ],
  };
  (gate as Json).allOf = paramsByName(
    'method',
    GATE_METHOD_NAMES.map((m) => [m, GATE_METHODS[m].params]),
    'threshold',
  );
  const presetProps = (preset as Json).properties as Record<string, Json>;
  presetProps.preset = { ...presetProps.preset, enum: [...PRESET_NAMES] };
  return base;
}

/**
 * The JSON Schema of the suite YAML, for editors (`# yaml-language-server: $schema=...`) and the shipped
 * `temporalci/schema.json`. It describes the input side, so keys with defaults are optional, and carries the
 * registries: adapter and metric names with each one's params, gate paths, gate method params, presets.
 * Cross-key rules (a gate's metric must be listed, SPRT params against the op) stay with `temporalci validate`.
 */
export function suiteJsonSchema(): Record<string, unknown> {
  const schema = fragment(suiteInputSchema);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SUITE_SCHEMA_ID,
    title: 'TemporalCI suite',
    description:
      'A TemporalCI suite: models to drive, tests (prompts × seeds), metrics measured from pixels, gates.',
    ...withRegistries(schema),
  };
}

/** The text of the shipped `schema.json` (`npm run docs` writes it; a test fails when it has drifted). */
export function suiteJsonSchemaFile(): string {
  return `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`;
}

/** The schema.json shipped next to this module's package (src/suite and dist/suite are two levels down). */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALLED = path.join('node_modules', 'temporalci', 'schema.json');

function installedSchemaAbove(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, INSTALLED);
    if (existsSync(file)) return file;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * Where a suite written to `suiteFile` finds the schema, relative to the suite's folder (what
 * yaml-language-server resolves a relative `$schema` against): the nearest installed
 * `node_modules/temporalci/schema.json` above it, else this checkout's own file when the suite is inside
 * it, else where `npm install temporalci` in the working directory will put it. Never an absolute path,
 * so the suite can be committed.
 */
export function schemaReference(suiteFile: string, cwd: string = process.cwd()): string {
  const dir = path.dirname(path.resolve(cwd, suiteFile));
  const fromRoot = path.relative(PACKAGE_ROOT, dir);
  const inCheckout = !fromRoot.startsWith('..') && !path.isAbsolute(fromRoot);
  const target =
    installedSchemaAbove(dir) ??
    (inCheckout ? path.join(PACKAGE_ROOT, 'schema.json') : path.join(cwd, INSTALLED));
  const rel = path.relative(dir, target).split(path.sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}
