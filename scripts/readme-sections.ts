/**
 * The generated parts of README.md: the CLI reference (from the commander program itself) and the suite
 * YAML reference (from the zod schema's JSON Schema and its descriptions). README keeps them between
 * markers; `npm run docs` rewrites them and a test fails when README has drifted from the code.
 */
import type { Command } from 'commander';
import { BUILTIN_ADAPTERS } from '../src/adapters/registry.js';
import { buildProgram } from '../src/cli/main.js';
import { GATE_METHODS } from '../src/gates/registry.js';
import { METRICS } from '../src/metrics/registry.js';
import type { MetricMeta } from '../src/metrics/types.js';
import { suiteJsonSchema } from '../src/suite/json-schema.js';

type Json = { [k: string]: unknown };

function allCommands(cmd: Command, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  const out: { path: string[]; cmd: Command }[] = [];
  for (const c of cmd.commands) {
    const path = [...prefix, c.name()];
    out.push({ path, cmd: c });
    out.push(...allCommands(c, path));
  }
  return out;
}

export async function cliReference(): Promise<string> {
  const program = await buildProgram();
  program.configureHelp({ helpWidth: 110 });
  const parts: string[] = [];
  for (const { path, cmd } of allCommands(program)) {
    if (cmd.name() === 'help') continue;
    cmd.configureHelp({ helpWidth: 110 });
    parts.push(
      `### \`temporalci ${path.join(' ')}\`\n\n\`\`\`text\n${cmd.helpInformation().trimEnd()}\n\`\`\``,
    );
  }
  return parts.join('\n\n');
}

function typeOf(s: Json): string {
  // A long enum (the metric names) is listed in its own generated table; the row says its type.
  if (Array.isArray(s.enum) && s.enum.length <= 8)
    return (s.enum as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (Array.isArray(s.anyOf)) {
    return (s.anyOf as Json[])
      .filter((x) => x.type !== 'null')
      .map(typeOf)
      .join(' or ');
  }
  if (s.type === 'array') return `list of ${typeOf((s.items as Json) ?? {})}`;
  if (Array.isArray(s.type)) return (s.type as string[]).join(' or ');
  if (s.type === 'object' && !s.properties) return 'mapping';
  return String(s.type ?? 'any');
}

function unwrap(s: Json): Json {
  if (s.type === 'array' && s.items && (s.items as Json).type === 'object' && (s.items as Json).properties) {
    return s.items as Json;
  }
  return s;
}

function table(title: string, s: Json, out: string[], nested: { title: string; schema: Json }[]): void {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  out.push(`#### ${title}\n\n| key | type | default | meaning |\n| --- | --- | --- | --- |`);
  for (const [key, raw] of Object.entries(props)) {
    const inner = unwrap(raw);
    const isObject = inner.type === 'object' && inner.properties;
    const def =
      raw.default === undefined
        ? required.has(key)
          ? '**required**'
          : ''
        : `\`${JSON.stringify(raw.default)}\``;
    const type = isObject ? (raw.type === 'array' ? 'list of mappings' : 'mapping') : typeOf(raw);
    const desc = String(raw.description ?? inner.description ?? '').replace(/\|/g, '\\|');
    out.push(`| \`${key}\` | ${type} | ${def} | ${desc} |`);
    if (isObject)
      nested.push({
        title: `${title === 'suite' ? '' : `${title}.`}${key}${raw.type === 'array' ? '[]' : ''}`,
        schema: inner,
      });
  }
  out.push('');
}

export function yamlReference(): string {
  const out: string[] = [];
  const queue: { title: string; schema: Json }[] = [{ title: 'suite', schema: suiteJsonSchema() as Json }];
  while (queue.length > 0) {
    const next = queue.shift()!;
    table(next.title, next.schema, out, queue);
  }
  return out.join('\n').trimEnd();
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per registered metric: its gate paths (for default params) and its own description. */
export function metricsReference(): string {
  const rows = ['| metric | gate paths (default params) | what it measures |', '| --- | --- | --- |'];
  for (const [name, raw] of Object.entries(METRICS)) {
    const def = raw.meta as unknown as MetricMeta<Record<string, unknown>>;
    const parsed = def.params.safeParse({});
    const paths = parsed.success
      ? [...def.paths(parsed.data), ...(def.summaryPaths?.(parsed.data) ?? [])]
      : [];
    const listed = paths.slice(0, 8).map((p) => `\`${p}\``);
    if (paths.length > 8) listed.push(`… (${paths.length} in all; \`temporalci list\`)`);
    const shown = parsed.success ? listed.join(', ') : 'named by its params';
    rows.push(`| \`${name}\` | ${shown} | ${cell(def.description)} |`);
  }
  return rows.join('\n');
}

export function adaptersReference(): string {
  const rows = ['| adapter | what it drives |', '| --- | --- |'];
  for (const [name, def] of Object.entries(BUILTIN_ADAPTERS))
    rows.push(`| \`${name}\` | ${cell(def.meta.description)} |`);
  rows.push(
    '| `./path/to/adapter.js` | your own module, default-exporting an adapter definition (`src/adapters/types.ts`) |',
  );
  rows.push('', '| gate method | what it does |', '| --- | --- |');
  for (const [name, d] of Object.entries(GATE_METHODS)) rows.push(`| \`${name}\` | ${cell(d.description)} |`);
  return rows.join('\n');
}

export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} section`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

export async function syncedReadme(text: string): Promise<string> {
  const sections: [string, () => string | Promise<string>][] = [
    ['metrics', metricsReference],
    ['adapters', adaptersReference],
    ['cli', cliReference],
    ['yaml', yamlReference],
  ];
  let out = text;
  for (const [name, make] of sections) out = replaceSection(out, name, await make());
  return out;
}
