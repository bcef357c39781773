import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type SuiteIssue, TemporalCIError } from '../errors.js';
import { describeReadFailure, readBoundedFile } from '../platform/bounded-read.js';
import { runSettingsSchema } from '../schema/suite.js';
import { mapZodIssues, SourceLocator, yamlSyntaxIssues } from '../suite/issues.js';

/**
 * The project config, `.temporalci.yaml` (or `.yml`) in the working directory or the file `--config` names:
 * defaults for `temporalci run`, as the original TemporalCI read them. Only its `run:` mapping is used. Unlike
 * the original (which fed each value to Python's type constructor, so `bool("false")` was True, and ignored
 * whatever failed), every value is checked against its type and bounds and a bad one is an error at its
 * file:line:col. Flags given on the command line win over the file.
 */

export const PROJECT_CONFIG_NAMES = ['.temporalci.yaml', '.temporalci.yml'] as const;

const setting = runSettingsSchema.shape;
const bool = z.boolean({ error: 'expected true or false (a YAML boolean, not a quoted string)' });
const text = z.string().trim().min(1, 'must not be empty');
const whole = (min: number) => z.number().int().min(min);

/** `run:` keys: the original's names and, where ours differ, ours (docs/migrating.md maps them). */
export const projectRunSchema = z
  .object({
    workers: setting.workers.unwrap(),
    retry: whole(1).max(21).describe("the original's attempts per sample: --retries N-1"),
    retries: setting.retries.unwrap(),
    timeout: setting.timeout_s.unwrap(),
    adapter_timeout: setting.timeout_s.unwrap().describe("the original's name of timeout"),
    inter_sample_delay: z.number().min(0).max(3600),
    artifacts_dir: text,
    baseline_mode: text,
    webhook_url: text,
    notify_on: z.enum(['failure', 'change', 'always']),
    tag: text,
    sample_limit: whole(1),
    sample: whole(1),
    prune_keep_last: whole(1),
    fail_on_skip: bool,
    fail_fast: bool,
    no_progress: bool,
    ci: bool,
    model_workers: whole(1).max(64),
    env: text,
  })
  .partial()
  .strict();

export type ProjectRunDefaults = z.infer<typeof projectRunSchema>;

const fileSchema = z.object({ run: projectRunSchema.nullish() }).loose();

export interface ProjectConfig {
  file: string;
  run: ProjectRunDefaults;
  /** Top-level keys other than `run:` (the original ignored them; so do we, saying so). */
  ignoredKeys: string[];
}

export class ProjectConfigError extends TemporalCIError {
  constructor(
    file: string,
    readonly issues: SuiteIssue[],
  ) {
    super(
      'USAGE',
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the project config`,
      {
        file,
        hint: 'fix the problems listed above (docs/migrating.md lists the keys of `run:`)',
      },
    );
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Which file to read: `--config` (must exist), else the first of PROJECT_CONFIG_NAMES in `cwd`, else none. */
async function locate(explicit: string | undefined, cwd: string): Promise<string | undefined> {
  if (explicit !== undefined) return explicit;
  for (const name of PROJECT_CONFIG_NAMES) {
    const file = path.join(cwd, name);
    if (await exists(file)) return path.relative(cwd, file) || file;
  }
  return undefined;
}

/** Parses and checks one project config's text. */
export function parseProjectConfig(file: string, source: string): ProjectConfig {
  const lines = new LineCounter();
  // YAML 1.1 as PyYAML read the original's file: an unquoted yes/no/on/off is a boolean there too.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, version: '1.1' });
  const locator = new SourceLocator(file, doc, lines);
  const issues: SuiteIssue[] = yamlSyntaxIssues(doc, locator);
  if (issues.length > 0) throw new ProjectConfigError(file, issues);
  if (doc.contents === null) return { file, run: {}, ignoredKeys: [] };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isMap(doc.contents)) {
    throw new ProjectConfigError(file, [
      locator.issue([], 'the project config must be a mapping', { hint: 'write `run:` with its keys' }),
    ]);
  }
  const r = fileSchema.safeParse(data);
  if (!r.success) {
    const found = mapZodIssues(r.error.issues, { locator, data, schema: fileSchema, base: [] });
    throw new ProjectConfigError(
      file,
      found.sort((a, b) => a.line - b.line || a.col - b.col),
    );
  }
  const ignoredKeys = Object.keys(data as object).filter((k) => k !== 'run');
  return { file, run: r.data.run ?? {}, ignoredKeys };
}

/**
 * The project config for this run: the one `--config` names (an error if it cannot be read), else
 * `.temporalci.yaml`/`.yml` in `cwd`, else none.
 */
export async function loadProjectConfig(
  explicit: string | undefined,
  cwd: string = process.cwd(),
): Promise<ProjectConfig | undefined> {
  const file = await locate(explicit, cwd);
  if (file === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(path.resolve(cwd, file));
  } catch (e) {
    throw new TemporalCIError('USAGE', `project config ${file} ${describeReadFailure(e)}`, {
      file,
      hint: '--config names a YAML file with a `run:` mapping, e.g. .temporalci.yaml',
    });
  }
  return parseProjectConfig(file, new TextDecoder('utf-8').decode(bytes));
}
