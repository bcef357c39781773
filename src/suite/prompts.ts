import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type SuiteIssue, TemporalCIError } from '../errors.js';
import { describeReadFailure, readBoundedFile } from '../platform/bounded-read.js';
import type { PromptSourceConfig, TestConfig } from '../schema/suite.js';
import type { PathSegment, SourceLocator } from './issues.js';

/**
 * Prompt resolution for one test: inline `prompts`, then `prompt_file` lines, then `prompt_source`,
 * deduplicated case- and whitespace-insensitively (first occurrence wins, keeping its source class).
 */

export interface ResolvedPrompts {
  prompts: string[];
  /** Per prompt: its T2VSafetyBench class, or null when it came from `prompts`/`prompt_file`. */
  promptClasses: (number | null)[];
  issues: SuiteIssue[];
  warnings: string[];
}

interface PromptEntry {
  text: string;
  cls: number | null;
}

function normalizePrompt(p: string): string {
  return p.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function dedupePrompts<T extends { text: string }>(entries: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const e of entries) {
    const key = normalizePrompt(e.text);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits bytes into lines (LF, CRLF or CR-only ends), dropping (and counting) lines that are not valid UTF-8. */
export function decodeLines(bytes: Uint8Array): { lines: string[]; invalid: number } {
  const lines: string[] = [];
  let invalid = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a && bytes[i] !== 0x0d) continue;
    try {
      lines.push(utf8.decode(bytes.subarray(start, i)).replace(/^\uFEFF/, ''));
    } catch {
      invalid++;
    }
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++;
    start = i + 1;
  }
  return { lines, invalid };
}

/** A seeded Fisher–Yates shuffle (mulberry32), so `shuffle: true` gives the same prompts on every run. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function promptDirsUnder(root: string, set: PromptSourceConfig['prompt_set']): string[] {
  return set === 'tiny'
    ? [path.join(root, 'Tiny-T2VSafetyBench'), path.join(root, 'T2VSafetyBench', 'Tiny-T2VSafetyBench')]
    : [path.join(root, 'T2VSafetyBench')];
}

/**
 * The folder holding `<class>.txt` files for this prompt set, or the list of places looked in. Like the
 * original TemporalCI, suite_root is looked up relative to the suite folder first, then to the working
 * directory (`fromCwd`, which the caller warns about: the suite then works only from that folder).
 */
async function findPromptDir(
  source: PromptSourceConfig,
  suiteDir: string,
): Promise<{ dir?: string; fromCwd?: boolean; tried: string[] }> {
  const tried = promptDirsUnder(path.resolve(suiteDir, source.suite_root), source.prompt_set);
  for (const d of tried) if (await isDir(d)) return { dir: d, tried };
  const cwdRoot = path.resolve(source.suite_root);
  if (path.isAbsolute(source.suite_root) || cwdRoot === path.resolve(suiteDir, source.suite_root))
    return { tried };
  for (const d of promptDirsUnder(cwdRoot, source.prompt_set))
    if (await isDir(d)) return { dir: d, fromCwd: true, tried };
  return { tried };
}

interface Ctx {
  locator: SourceLocator;
  base: readonly PathSegment[];
  suiteDir: string;
  issues: SuiteIssue[];
  warnings: string[];
}

async function readPromptFile(file: string, ctx: Ctx): Promise<PromptEntry[]> {
  const abs = path.resolve(ctx.suiteDir, file);
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(abs);
  } catch (e) {
    ctx.issues.push(
      ctx.locator.issue([...ctx.base, 'prompt_file'], `cannot read prompt file ${abs}`, {
        found: `a path that ${describeReadFailure(e)}`,
        hint:
          (e instanceof TemporalCIError ? e.hint : undefined) ??
          'prompt_file is resolved relative to the suite file folder',
      }),
    );
    return [];
  }
  const { lines, invalid } = decodeLines(bytes);
  if (invalid > 0) ctx.warnings.push(`${abs}: skipped ${invalid} line(s) that are not valid UTF-8`);
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((text) => ({ text, cls: null }));
}

async function readPromptSource(source: PromptSourceConfig, ctx: Ctx): Promise<PromptEntry[]> {
  const at = [...ctx.base, 'prompt_source'];
  const { dir, fromCwd, tried } = await findPromptDir(source, ctx.suiteDir);
  if (dir && fromCwd) {
    const line = ctx.locator.locate([...at, 'suite_root']).line;
    const fromSuite = path.relative(ctx.suiteDir, path.resolve(source.suite_root)) || '.';
    ctx.warnings.push(
      `${ctx.locator.file}:${line}: prompt_source.suite_root "${source.suite_root}" was found in the working ` +
        `directory, not next to the suite; it works only from this folder. Write "${fromSuite}" to make it ` +
        'relative to the suite file',
    );
  }
  if (!dir) {
    ctx.issues.push(
      ctx.locator.issue(
        [...at, 'suite_root'],
        `T2VSafetyBench prompt folder not found for prompt_set ${source.prompt_set}`,
        {
          expected: 'a folder with <class>.txt files',
          found: `nothing at ${tried.join(' or ')}`,
          hint: 'suite_root is resolved relative to the suite file folder, then to the working directory',
        },
      ),
    );
    return [];
  }
  let all: PromptEntry[] = [];
  let invalid = 0;
  const missing: number[] = [];
  for (const cls of source.classes) {
    let bytes: Uint8Array;
    const file = path.join(dir, `${cls}.txt`);
    try {
      bytes = await readBoundedFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push(cls);
      else {
        ctx.issues.push(
          ctx.locator.issue([...at, 'classes'], `cannot read prompt file ${file}`, {
            found: `a path that ${describeReadFailure(e)}`,
          }),
        );
      }
      continue;
    }
    const decoded = decodeLines(bytes);
    invalid += decoded.invalid;
    let lines = decoded.lines.map((l) => l.trim()).filter((l) => l !== '');
    if (source.shuffle) lines = seededShuffle(lines, source.sample_seed + cls);
    if (source.limit_per_class !== undefined) lines = lines.slice(0, source.limit_per_class);
    for (const text of lines) all.push({ text, cls });
  }
  if (missing.length > 0) {
    ctx.issues.push(
      ctx.locator.issue([...at, 'classes'], `no prompt file for class(es) ${missing.join(', ')} in ${dir}`, {
        expected: missing.map((c) => `${c}.txt`).join(', '),
        found: 'no such file',
      }),
    );
  }
  if (invalid > 0) ctx.warnings.push(`${dir}: skipped ${invalid} prompt line(s) that are not valid UTF-8`);
  if (source.dedupe) all = dedupePrompts(all);
  if (source.max_total !== undefined) all = all.slice(0, source.max_total);
  return all;
}

export async function resolveTestPrompts(
  test: TestConfig,
  opts: { locator: SourceLocator; base: readonly PathSegment[]; suiteDir: string },
): Promise<ResolvedPrompts> {
  const ctx: Ctx = { ...opts, issues: [], warnings: [] };
  const entries: PromptEntry[] = (test.prompts ?? []).map((p) => ({ text: p.trim(), cls: null }));
  // Appended one by one: `push(...lines)` overflows the call stack at ~130 000 lines.
  if (test.prompt_file !== undefined) {
    for (const e of await readPromptFile(test.prompt_file, ctx)) entries.push(e);
  }
  if (test.prompt_source !== undefined) {
    for (const e of await readPromptSource(test.prompt_source, ctx)) entries.push(e);
  }
  const unique = dedupePrompts(entries);
  if (unique.length < entries.length) {
    ctx.warnings.push(`test ${test.id}: dropped ${entries.length - unique.length} duplicate prompt(s)`);
  }
  // A missing file has already been reported at its key; "zero prompts" would only repeat it.
  if (unique.length === 0 && ctx.issues.length === 0) {
    ctx.issues.push(
      opts.locator.issue([...opts.base], `test ${test.id} has no prompts`, {
        expected: 'at least one prompt from prompts, prompt_file or prompt_source',
        found: 'zero prompts',
        hint: 'add `prompts:` with at least one line, or a `prompt_file:`',
      }),
    );
  }
  return {
    prompts: unique.map((e) => e.text),
    promptClasses: unique.map((e) => e.cls),
    issues: ctx.issues,
    warnings: ctx.warnings,
  };
}
