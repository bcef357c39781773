import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type SuiteIssue, SuiteValidationError, TemporalCIError } from '../errors.js';
import { describeReadFailure, readBoundedFile } from '../platform/bounded-read.js';
import type { NotifyConfig } from '../schema/suite.js';
import { mapZodIssues, type PathSegment, SourceLocator, valueAt, yamlSyntaxIssues } from '../suite/issues.js';
import { duplicateKeyOffsets } from '../suite/yaml-checks.js';
import { cronProblem, parseEvery, parseJitter } from './schedule.js';

/**
 * soak.yaml: which suites a supervisor runs, how often, and what each must prove. Checked like a suite:
 * every problem at its file:line:col with a did-you-mean for misspelt keys. Paths are relative to the file.
 */

const text = z.string().trim().min(1, 'must not be empty');
const seconds = z.number().positive().max(86_400);
const coordinatorUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL')
  .describe('run cycles on a fleet: the coordinator of `temporalci serve`');
// The name of the variable, never the token: a secret in the YAML would end up in the repository.
const tokenEnv = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'must be the name of an environment variable, e.g. TEMPORALCI_TOKEN',
  )
  .describe('environment variable holding the submit token (default TEMPORALCI_TOKEN)');

const jobSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore')
      .optional(),
    suite: text.describe('suite YAML, relative to this file'),
    every: text.optional().describe('interval between cycle starts: 30s, 2s, 30m, 1h'),
    cron: text.optional().describe('a cron expression (minute hour day month weekday), in local time'),
    jitter: z
      .union([z.number(), z.string()])
      .optional()
      .describe('±share of `every`: 10% or 0.1 (at most 50%)'),
    expect: z
      .enum(['pass', 'fail'])
      .default('pass')
      .describe('fail: the detector must catch a known regression'),
    baseline_mode: text.default('latest_pass'),
    overlap: z
      .enum(['skip'])
      .default('skip')
      .describe('a slot that comes while the last cycle runs is skipped'),
    keep_last: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('keep the newest N runs per model (index-aware prune)'),
    hours: z
      .number()
      .positive()
      .max(24 * 365)
      .optional(),
    max_cycles: z.number().int().min(1).optional(),
    coordinator_url: coordinatorUrl.optional(),
    token_env: tokenEnv.optional(),
  })
  .strict();

const notifySchema = z
  .object({
    url: text.describe('webhook URL; ${ENV_VAR} keeps the secret out of the file'),
    format: z.enum(['slack', 'discord', 'json']).default('json'),
    secret: text.optional(),
    timeout_s: z.number().positive().max(120).default(10),
    retries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

export const soakSchema = z
  .object({
    version: z.literal(1),
    artifacts_dir: text.default('./artifacts'),
    state_dir: text.optional().describe('status.json, the lock, telemetry; default: soak/ next to this file'),
    status_interval: seconds.default(10),
    stale_after: seconds
      .optional()
      .describe('status older than this is unhealthy; default 3 × status_interval'),
    telemetry_interval: seconds.default(60),
    telemetry_max_mb: z.number().positive().max(10_000).default(50),
    notify: notifySchema.optional(),
    coordinator_url: coordinatorUrl.optional().describe('default coordinator for every job'),
    token_env: tokenEnv.optional(),
    jobs: z.array(jobSchema).min(1, 'list at least one job'),
  })
  .strict();

export interface SoakJob {
  name: string;
  suite: string;
  /** Interval between slots (`every`); 0 for a cron job. */
  everyMs: number;
  /** A cron expression (`cron`): slots at its wall-clock times instead of every `everyMs`. */
  cron?: string;
  jitter: number;
  expect: 'pass' | 'fail';
  baselineMode: string;
  keepLast?: number;
  hours?: number;
  maxCycles?: number;
  /** Cycles run on a fleet: the coordinator, and the variable the submit token is read from at each cycle. */
  fleet?: { url: string; tokenEnv: string };
}

export interface SoakConfig {
  file: string;
  artifactsDir: string;
  stateDir: string;
  statusIntervalS: number;
  staleAfterS: number;
  telemetryIntervalS: number;
  telemetryMaxBytes: number;
  notify?: NotifyConfig;
  jobs: SoakJob[];
}

class SoakConfigError extends SuiteValidationError {
  constructor(file: string, issues: SuiteIssue[]) {
    super(
      file,
      issues,
      'the soak config',
      'fix the problems listed above (README "Soak runs" lists the keys)',
    );
  }
}

function scheduleIssues(data: unknown, locator: SourceLocator): SuiteIssue[] {
  const issues: SuiteIssue[] = [];
  const jobs = valueAt(data, ['jobs']);
  for (const [i, job] of (Array.isArray(jobs) ? jobs : []).entries()) {
    const at = (key: string): PathSegment[] => ['jobs', i, key];
    const j = (job ?? {}) as Record<string, unknown>;
    if (j.cron !== undefined && j.every !== undefined) {
      issues.push(
        locator.issue(at('cron'), 'a job has either `every` or `cron`, not both', {
          hint: 'keep the one you mean',
        }),
      );
    } else if (j.cron !== undefined) {
      const problem = typeof j.cron === 'string' ? cronProblem(j.cron) : null;
      if (problem !== null) {
        issues.push(
          locator.issue(at('cron'), 'not a cron expression', {
            expected: 'five fields (minute hour day month weekday), e.g. "*/30 * * * *"',
            found: `"${String(j.cron)}": ${problem}`,
          }),
        );
      }
    } else if (j.every === undefined) {
      issues.push(
        locator.issue(['jobs', i], 'a job needs a schedule', {
          hint: 'add `every: 30m` (or 30s, 2h), or `cron: "*/30 * * * *"`',
        }),
      );
    } else if (typeof j.every === 'string' && parseEvery(j.every) === null) {
      issues.push(
        locator.issue(at('every'), 'not a duration', {
          expected: 'a number and a unit: 30s, 30m, 2h',
          found: `"${j.every}"`,
        }),
      );
    }
    if (
      j.jitter !== undefined &&
      (typeof j.jitter === 'string' || typeof j.jitter === 'number') &&
      parseJitter(j.jitter) === null
    ) {
      issues.push(
        locator.issue(at('jitter'), 'jitter out of range', {
          expected: 'from 0% to 50% (or 0 to 0.5)',
          found: String(j.jitter),
        }),
      );
    }
  }
  return issues;
}

const DEFAULT_TOKEN_ENV = 'TEMPORALCI_TOKEN';

/**
 * Fleet jobs: the token's variable must be set when the soak starts (not an hour later, at the first cycle),
 * and `keep_last` prunes local folders a fleet run does not write.
 */
function fleetIssues(
  data: unknown,
  locator: SourceLocator,
  env: NodeJS.ProcessEnv | undefined,
): SuiteIssue[] {
  const issues: SuiteIssue[] = [];
  const top = (data ?? {}) as Record<string, unknown>;
  const jobs = valueAt(data, ['jobs']);
  for (const [i, job] of (Array.isArray(jobs) ? jobs : []).entries()) {
    const j = (job ?? {}) as Record<string, unknown>;
    const url = j.coordinator_url ?? top.coordinator_url;
    if (url === undefined) {
      if (j.token_env !== undefined) {
        issues.push(
          locator.issue(['jobs', i, 'token_env'], '`token_env` without a `coordinator_url`', {
            hint: 'add `coordinator_url:` to the job or the top level, or drop `token_env`',
          }),
        );
      }
      continue;
    }
    const named = j.token_env ?? top.token_env ?? DEFAULT_TOKEN_ENV;
    const where: PathSegment[] =
      j.token_env !== undefined
        ? ['jobs', i, 'token_env']
        : top.token_env !== undefined
          ? ['token_env']
          : j.coordinator_url !== undefined
            ? ['jobs', i, 'coordinator_url']
            : ['coordinator_url'];
    if (env !== undefined && typeof named === 'string' && !env[named]) {
      issues.push(
        locator.issue(where, `the submit token's variable $${named} is not set`, {
          hint: `export ${named}=<a submit token from \`temporalci tokens create --role submit\`> before \`temporalci soak\``,
        }),
      );
    }
    if (j.keep_last !== undefined) {
      issues.push(
        locator.issue(['jobs', i, 'keep_last'], '`keep_last` cannot be used with `coordinator_url`', {
          hint: 'a fleet run keeps its runs on the coordinator; drop `keep_last`',
        }),
      );
    }
  }
  return issues;
}

function jobName(suite: string, given: string | undefined, taken: Set<string>, index: number): string {
  let name =
    given ??
    path
      .basename(suite)
      .replace(/\.ya?ml$/i, '')
      .replace(/[^A-Za-z0-9._-]/g, '_');
  if (taken.has(name)) name = `${name}-${index + 1}`;
  taken.add(name);
  return name;
}

/** Parses and checks one soak config's text; every problem at once as a SoakConfigError. */
export function parseSoakConfig(
  file: string,
  source: string,
  /** The supervisor's environment: its fleet jobs' token variables must be set. Unset: not checked (status, summary). */
  env?: NodeJS.ProcessEnv,
): SoakConfig {
  const lines = new LineCounter();
  const doc = parseDocument(source.replace(/\r\n?/g, '\n'), {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
  });
  const locator = new SourceLocator(file, doc, lines);
  const issues = yamlSyntaxIssues(doc, locator);
  for (const offset of duplicateKeyOffsets(doc)) {
    issues.push({
      file,
      ...locator.pos(offset),
      path: '(yaml)',
      message: 'duplicate key',
      hint: 'remove one of the two keys',
    });
  }
  if (issues.length > 0) throw new SoakConfigError(file, issues);
  if (!isMap(doc.contents)) {
    throw new SoakConfigError(file, [
      locator.issue([], 'the soak config must be a mapping', { hint: 'start from README "Soak runs"' }),
    ]);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const r = soakSchema.safeParse(data);
  if (!r.success)
    issues.push(...mapZodIssues(r.error.issues, { locator, data, schema: soakSchema, base: [] }));
  issues.push(...scheduleIssues(data, locator));
  if (r.success) issues.push(...fleetIssues(data, locator, env));
  if (!r.success || issues.length > 0) {
    throw new SoakConfigError(
      file,
      issues.sort((a, b) => a.line - b.line || a.col - b.col),
    );
  }
  const c = r.data;
  const dir = path.dirname(path.resolve(file));
  const taken = new Set<string>();
  return {
    file: path.resolve(file),
    artifactsDir: path.resolve(dir, c.artifacts_dir),
    stateDir: path.resolve(dir, c.state_dir ?? 'soak'),
    statusIntervalS: c.status_interval,
    staleAfterS: c.stale_after ?? 3 * c.status_interval,
    telemetryIntervalS: c.telemetry_interval,
    telemetryMaxBytes: Math.round(c.telemetry_max_mb * 1024 * 1024),
    ...(c.notify === undefined ? {} : { notify: { ...c.notify, notify_on: 'always' as const } }),
    jobs: c.jobs.map((j, i) => ({
      name: jobName(j.suite, j.name, taken, i),
      suite: path.resolve(dir, j.suite),
      everyMs: j.every === undefined ? 0 : parseEvery(j.every)!,
      ...(j.cron === undefined ? {} : { cron: j.cron }),
      jitter: j.jitter === undefined ? 0 : parseJitter(j.jitter)!,
      expect: j.expect,
      baselineMode: j.baseline_mode,
      ...(j.keep_last === undefined ? {} : { keepLast: j.keep_last }),
      ...(j.hours === undefined ? {} : { hours: j.hours }),
      ...(j.max_cycles === undefined ? {} : { maxCycles: j.max_cycles }),
      ...fleetOf(j.coordinator_url ?? c.coordinator_url, j.token_env ?? c.token_env),
    })),
  };
}

function fleetOf(url: string | undefined, tokenEnvName: string | undefined): Pick<SoakJob, 'fleet'> {
  return url === undefined ? {} : { fleet: { url, tokenEnv: tokenEnvName ?? DEFAULT_TOKEN_ENV } };
}

export async function loadSoakConfig(file: string, env?: NodeJS.ProcessEnv): Promise<SoakConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(file);
  } catch (e) {
    throw new TemporalCIError('USAGE', `soak config ${file} ${describeReadFailure(e)}`, {
      file,
      hint: 'pass --config with a soak YAML file (README "Soak runs" has the smallest one)',
    });
  }
  return parseSoakConfig(file, new TextDecoder('utf-8').decode(bytes), env);
}
