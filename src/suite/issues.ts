import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { z } from 'zod';
import type { SuiteIssue } from '../errors.js';

/**
 * Turning problems into SuiteIssues that point at the exact YAML node: path formatting, source positions,
 * zod-issue mapping with expected/found text, "did you mean", and the plain-text formatter.
 */

export type PathSegment = string | number;

/** `['gates', 1, 'op']` → `gates[1].op`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/** Edit distance counting an adjacent swap as one edit (optimal string alignment), so `=>` is near `>=`. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  // Three rolling rows (the swap looks two rows back): no allocation per cell, one per call.
  const w = b.length + 1;
  let prev2 = new Int32Array(w);
  let prev = Int32Array.from({ length: w }, (_, j) => j);
  let cur = new Int32Array(w);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/** The closest candidate within edit distance 2 (case-insensitive), or one the input is a prefix of. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  if (needle === '') return undefined;
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    if (hay === needle && c !== input) return c;
    // Lengths 3+ apart are never within distance 2: skip the matrix (thousands of unknown keys stay fast).
    const d = Math.abs(needle.length - hay.length) > 2 ? Number.POSITIVE_INFINITY : levenshtein(needle, hay);
    const score =
      d <= 2 ? d : hay.startsWith(needle) || needle.startsWith(hay) ? 3 : Number.POSITIVE_INFINITY;
    if (score < (best?.d ?? Number.POSITIVE_INFINITY)) best = { name: c, d: score };
  }
  return best?.name;
}

export function quoteList(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}

/** A short, typed description of a found value, e.g. `string "=>"`, `list of 3 items`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const short = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `string ${JSON.stringify(short)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Date) return `date ${value.toISOString().slice(0, 10)}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 4).join(', ');
    return keys.length === 0
      ? 'empty mapping'
      : `mapping with keys ${shown}${keys.length > 4 ? ', ...' : ''}`;
  }
  return typeof value;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PathSegment, unknown>)[seg];
  }
  return cur;
}

/** The YAML parser's own errors (syntax), one issue each at its position: what a suite and a config share. */
export function yamlSyntaxIssues(doc: Document, locator: SourceLocator): SuiteIssue[] {
  return doc.errors.map((e) => ({
    file: locator.file,
    ...locator.pos(e.pos[0]),
    path: '(yaml)',
    message: `YAML syntax error: ${e.message}`,
    hint: 'fix the YAML syntax at this position',
  }));
}

/** Maps paths in the parsed data back to 1-based line:col in the file. */
export class SourceLocator {
  /** Paths of the checked data that are not the file's own (expanded gate presets), mapped to the file's. */
  private toSource: (path: readonly PathSegment[]) => readonly PathSegment[] = (p) => p;

  constructor(
    readonly file: string,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** Issues found in data derived from the file (a gate preset expanded in place) point at their origin. */
  mapPaths(toSource: (path: readonly PathSegment[]) => readonly PathSegment[]): void {
    this.toSource = toSource;
  }

  pos(offset: number): { line: number; col: number } {
    if (!this.lines) return { line: 1, col: 1 };
    const p = this.lines.linePos(offset);
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  }

  /**
   * Position of the value at `path` (or of its key when `at` is 'key'). When the path does not exist (a
   * missing key), the deepest existing node: the parent mapping.
   */
  locate(checked: readonly PathSegment[], at: 'key' | 'value' = 'value'): { line: number; col: number } {
    const path = this.toSource(checked);
    let node: unknown = this.doc?.contents;
    let best: Node | undefined = isNode(node) ? node : undefined;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isAlias(node) && this.doc) node = node.resolve(this.doc);
      let next: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = this.pairsOf(node).get(String(seg));
        if (pair) {
          keyNode = pair.key;
          next = pair.value;
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      const last = i === path.length - 1;
      if (last && at === 'key' && isNode(keyNode)) return this.nodePos(keyNode);
      if (isNode(next)) {
        best = next;
        node = next;
      } else if (isNode(keyNode)) {
        // `key:` with no value: the key is the best place to point at.
        return this.nodePos(keyNode);
      } else {
        break;
      }
    }
    return best ? this.nodePos(best) : { line: 1, col: 1 };
  }

  /** Each mapping's pairs by key text, built once: a lookup per issue stays O(1) in a 20 000-key mapping. */
  private readonly pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let index = this.pairIndex.get(map);
    if (index === undefined) {
      index = new Map();
      for (const p of map.items) {
        const k = isPair(p) ? keyText(p.key) : undefined;
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      this.pairIndex.set(map, index);
    }
    return index;
  }

  private nodePos(node: Node): { line: number; col: number } {
    return node.range ? this.pos(node.range[0]) : { line: 1, col: 1 };
  }

  issue(
    path: readonly PathSegment[],
    message: string,
    extra: { expected?: string; found?: string; hint?: string; at?: 'key' | 'value' } = {},
  ): SuiteIssue {
    const { at, ...rest } = extra;
    const issue: SuiteIssue = {
      file: this.file,
      ...this.locate(path, at),
      path: formatPath(this.toSource(path)),
      message,
    };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) Object.assign(issue, { [k]: v });
    return issue;
  }
}

function isNode(v: unknown): v is Node {
  return isMap(v) || isSeq(v) || isScalar(v) || isAlias(v);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

/** Walks a zod schema along a data path (through defaults, optionals, pipes, arrays, records). */
function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (!cur) return undefined;
    if (cur instanceof z.ZodObject && typeof seg === 'string') cur = cur.shape[seg] as z.ZodType | undefined;
    else if (cur instanceof z.ZodArray && typeof seg === 'number') cur = cur.element as z.ZodType;
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else if (cur instanceof z.ZodUnion) {
      const options = cur.options as readonly z.ZodType[];
      cur = options.map((o) => schemaAt(o, [seg])).find((o) => o !== undefined);
    } else return undefined;
    cur = cur ? unwrap(cur) : undefined;
  }
  return cur;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let cur: z.ZodType = schema;
  for (let i = 0; i < 20; i++) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) {
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  return cur;
}

/** The keys an object schema at `path` allows (for "did you mean" on unknown keys). */
function allowedKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const s = schemaAt(schema, path);
  if (s instanceof z.ZodObject) return Object.keys(s.shape);
  if (s instanceof z.ZodUnion) {
    return (s.options as readonly z.ZodType[]).flatMap((o) => allowedKeys(o, []));
  }
  return [];
}

function requiredKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const s = schemaAt(schema, path);
  if (!(s instanceof z.ZodObject)) return [];
  return Object.entries(s.shape as Record<string, z.ZodType>)
    .filter(([, v]) => !v.safeParse(undefined).success)
    .map(([k]) => k);
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  null: 'null',
};

function typeWord(t: string): string {
  return TYPE_WORDS[t] ?? t;
}

function boundText(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, small: boolean): string {
  const n = String(
    small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
  );
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array' || issue.origin === 'set')
    return `${small ? 'at least' : 'at most'} ${n} item(s)`;
  if (issue.origin === 'string')
    return small && n === '1' ? 'a non-empty string' : `length ${small ? '>=' : '<='} ${n}`;
  return `a number ${small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<'} ${n}`;
}

function unionExpected(issue: z.core.$ZodIssueInvalidUnion): string {
  const words = new Set<string>();
  for (const branch of issue.errors) {
    for (const e of branch) {
      if (e.path.length > 0) continue;
      if (e.code === 'invalid_type') words.add(typeWord(e.expected));
      else if (e.code === 'invalid_format' && e.message) words.add(e.message.replace(/^must be /, ''));
    }
  }
  return words.size === 0 ? 'one of the allowed forms' : [...words].join(' or ');
}

/** True when `path` names a key that is absent from an existing mapping. */
function isMissingKey(data: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  const key = path[path.length - 1]!;
  return (
    parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, key)
  );
}

export interface ZodMapContext {
  locator: SourceLocator;
  /** The input that was parsed (for the "found" text). */
  data: unknown;
  /** The schema that was parsed (for allowed keys and options). */
  schema: z.ZodType;
  /** Where `data` sits in the suite, e.g. `['models', 0, 'params']`. */
  base: readonly PathSegment[];
}

/** Maps zod issues to SuiteIssues: one per unknown key, typo'd required keys merged with their "missing". */
export function mapZodIssues(zodIssues: readonly z.core.$ZodIssue[], ctx: ZodMapContext): SuiteIssue[] {
  const out: SuiteIssue[] = [];
  // Required keys that an unknown key is a typo of: reported once, as the unknown key.
  const explained = new Set<string>();
  const typoOf = new Map<string, string>();
  for (const zi of zodIssues) {
    if (zi.code !== 'unrecognized_keys') continue;
    const rel = zi.path as PathSegment[];
    const allowed = allowedKeys(ctx.schema, rel);
    const required = new Set(requiredKeys(ctx.schema, rel));
    const obj = valueAt(ctx.data, rel);
    for (const key of zi.keys) {
      const guess = didYouMean(key, allowed);
      const missing =
        guess !== undefined &&
        required.has(guess) &&
        (obj === null || typeof obj !== 'object' || !(guess in obj));
      if (missing) {
        explained.add(formatPath([...rel, guess]));
        typoOf.set(formatPath([...rel, key]), guess);
      }
    }
  }
  for (const zi of zodIssues) {
    const rel = zi.path as PathSegment[];
    const path = [...ctx.base, ...rel];
    const found = valueAt(ctx.data, rel);
    const L = ctx.locator;
    if ((zi.code === 'invalid_type' || zi.code === 'invalid_value') && isMissingKey(ctx.data, rel)) {
      if (explained.has(formatPath(rel))) continue;
      const key = String(rel[rel.length - 1]);
      const expected =
        zi.code === 'invalid_type'
          ? typeWord(zi.expected)
          : `one of ${quoteList(zi.values.map((v) => String(v)))}`;
      out.push(
        L.issue(path, `missing required key \`${key}\``, {
          expected,
          found: 'nothing',
          hint: `add \`${key}:\` to this mapping`,
        }),
      );
      continue;
    }
    switch (zi.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(ctx.schema, rel);
        for (const key of zi.keys) {
          const guess = didYouMean(key, allowed);
          const isTypo = typoOf.has(formatPath([...rel, key]));
          out.push(
            L.issue(
              [...path, key],
              `unknown key \`${key}\`${isTypo ? ` (and required \`${guess}\` is missing)` : ''}`,
              {
                at: 'key',
                expected: allowed.length > 0 ? `one of ${quoteList(allowed)}` : 'no keys here',
                found: `key \`${key}\``,
                hint: guess
                  ? `did you mean \`${guess}\`?`
                  : 'remove it; unknown keys are never ignored silently',
              },
            ),
          );
        }
        break;
      }
      case 'invalid_type':
        out.push(
          L.issue(path, 'wrong type', {
            expected: typeWord(zi.expected),
            found: describeValue(found),
          }),
        );
        break;
      case 'invalid_value': {
        const options = zi.values.map((v) => String(v));
        const guess = typeof found === 'string' ? didYouMean(found, options) : undefined;
        out.push(
          L.issue(path, options.length === 1 ? 'unsupported value' : 'not one of the allowed values', {
            expected: options.length === 1 ? JSON.stringify(zi.values[0]) : `one of ${quoteList(options)}`,
            found: describeValue(found),
            ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
          }),
        );
        break;
      }
      case 'too_small':
      case 'too_big': {
        const expected = boundText(zi, zi.code === 'too_small');
        out.push(L.issue(path, 'out of range', { expected, found: describeValue(found) }));
        break;
      }
      case 'invalid_union': {
        const expected = unionExpected(zi);
        out.push(L.issue(path, 'wrong type', { expected, found: describeValue(found) }));
        break;
      }
      case 'invalid_format':
        out.push(
          L.issue(path, zi.message, {
            expected: zi.format === 'regex' ? `text matching ${zi.pattern ?? 'the pattern'}` : zi.format,
            found: describeValue(found),
          }),
        );
        break;
      default:
        out.push(L.issue(path, zi.message, { found: describeValue(found) }));
    }
  }
  return out;
}

/** Plain text, one block per issue: `file:line:col  path: message`, then expected/found and hint lines. */
export function formatIssues(issues: readonly SuiteIssue[]): string {
  return issues
    .map((i) => {
      const lines = [`${i.file}:${i.line}:${i.col}  ${i.path}: ${i.message}`];
      if (i.expected !== undefined || i.found !== undefined) {
        const parts: string[] = [];
        if (i.expected !== undefined) parts.push(`expected ${i.expected}`);
        if (i.found !== undefined) parts.push(`found ${i.found}`);
        lines.push(`    ${parts.join(', ')}`);
      }
      if (i.hint !== undefined) lines.push(`    hint: ${i.hint}`);
      return lines.join('\n');
    })
    .join('\n\n');
}
