import { adapterNames, isModulePath } from '../adapters/registry.js';
import { TemporalCIError } from '../errors.js';
import { type DatabaseUrl, parseDatabaseUrl } from '../store/postgres/connection.js';
import { type S3Config, s3ConfigFromEnv } from '../store/s3/config.js';
import { looksLikeToken } from './auth/tokens.js';

/**
 * The settings of `temporalci serve` (the coordinator) and `temporalci worker`, from flags first, then the
 * environment, then defaults; every value is checked here, so a bad setting stops the process at start-up
 * with an error naming the flag or variable. Secrets (the database and Redis passwords, the worker token)
 * are kept for the drivers only: no message repeats a URL that may hold one, and `describeConfig` renders
 * a config for logs with them left out.
 */

interface RedisUrl {
  /** The URL as given, for ioredis only. */
  readonly connectionString: string;
  /** The URL without password or query, for messages and logs. */
  readonly shown: string;
}

export interface ServeConfig {
  kind: 'serve';
  host: string;
  port: number;
  database: DatabaseUrl;
  redis: RedisUrl;
  s3: S3Config;
  /** How long a claimed sample job stays a worker's without a heartbeat. */
  taskLeaseSec: number;
  /** How often workers are told to heartbeat; at most half the lease, so one lost beat loses nothing. */
  heartbeatIntervalSec: number;
}

export interface WorkerConfig {
  kind: 'worker';
  coordinatorUrl: string;
  /** The worker token: for the Authorization header only. */
  token: string;
  labels: Record<string, string>;
  /** Adapters this worker runs; see DEFAULT_ALLOWED_ADAPTERS. */
  allowAdapters: string[];
  heartbeatIntervalSec: number;
}

export interface ServeFlags {
  host?: string;
  port?: string;
  databaseUrl?: string;
  redisUrl?: string;
  taskLeaseSec?: string;
  heartbeatIntervalSec?: string;
}

export interface WorkerFlags {
  coordinatorUrl?: string;
  token?: string;
  labels?: string;
  allowAdapters?: string;
  heartbeatIntervalSec?: string;
}

const ENV = {
  databaseUrl: 'TEMPORALCI_DATABASE_URL',
  redisUrl: 'TEMPORALCI_REDIS_URL',
  host: 'TEMPORALCI_HOST',
  port: 'TEMPORALCI_PORT',
  taskLeaseSec: 'TEMPORALCI_TASK_LEASE_SEC',
  heartbeatIntervalSec: 'TEMPORALCI_HEARTBEAT_INTERVAL_SEC',
  coordinatorUrl: 'TEMPORALCI_COORDINATOR_URL',
  token: 'TEMPORALCI_TOKEN',
  labels: 'TEMPORALCI_WORKER_LABELS',
  allowAdapters: 'TEMPORALCI_ALLOW_ADAPTERS',
} as const;

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_TASK_LEASE_SEC = 300;
const DEFAULT_HEARTBEAT_INTERVAL_SEC = 30;

/**
 * What a worker runs when `--allow-adapters` is not given: the built-ins that execute no code of the
 * suite's choosing. `command` runs any program the suite names and a module path loads any JavaScript, so
 * a submit token would mean code execution on the GPU box: a worker runs those only when its operator
 * names them in `--allow-adapters`.
 */
export const DEFAULT_ALLOWED_ADAPTERS: readonly string[] = adapterNames().filter((n) => !runsSuiteCode(n));

/** True for adapters that run code chosen by whoever submits the suite. */
export function runsSuiteCode(adapter: string): boolean {
  return adapter === 'command' || isModulePath(adapter);
}

/** One setting: the flag wins over the variable; empty counts as unset. */
interface Source {
  value: string;
  /** `--port` or `TEMPORALCI_PORT`, for messages. */
  from: string;
}

function pick(
  flag: string | undefined,
  flagName: string,
  env: NodeJS.ProcessEnv,
  name: string,
): Source | undefined {
  if (flag !== undefined && flag.trim() !== '') return { value: flag.trim(), from: flagName };
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : { value: v, from: name };
}

function usage(message: string, hint: string): TemporalCIError {
  return new TemporalCIError('USAGE', message, { hint });
}

function required(src: Source | undefined, flagName: string, envName: string, example: string): Source {
  if (src === undefined) {
    throw usage(`no ${flagName} given`, `pass ${flagName} ${example}, or set ${envName}=${example}`);
  }
  return src;
}

function wholeNumber(
  src: Source | undefined,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  if (src === undefined) return fallback;
  const n = /^\d+$/.test(src.value) ? Number(src.value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(
      `${src.from}="${src.value}" is not a whole number from ${min} to ${max}`,
      `give ${unit}, e.g. ${fallback}`,
    );
  }
  return n;
}

/** A redis:// or rediss:// URL; messages name its host only, never the URL (it may hold a password). */
function parseRedisUrl(text: string, from: string): RedisUrl {
  const hint = `write it as redis://[:PASSWORD@]HOST:PORT[/DB] (rediss:// for TLS), in ${from}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`${from} is not a valid URL`, hint);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw usage(`${from} starts with "${url.protocol}//", not redis:// or rediss://`, hint);
  }
  if (url.hostname === '') throw usage(`${from} names no host`, hint);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw usage(`${from}: the database "/${db}" is not a number`, hint);
  const user = url.username ? `${url.username}@` : '';
  const port = url.port ? `:${url.port}` : '';
  return { connectionString: text, shown: `${url.protocol}//${user}${url.hostname}${port}${url.pathname}` };
}

function databaseFrom(src: Source): DatabaseUrl {
  try {
    return parseDatabaseUrl(src.value);
  } catch (e) {
    if (e instanceof TemporalCIError) throw usage(`${src.from}: ${e.message}`, e.hint ?? '');
    throw e;
  }
}

/** The database URL alone (`tokens`, `db migrate`): `--database-url`, else TEMPORALCI_DATABASE_URL. */
export function databaseUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv): DatabaseUrl {
  const example = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE';
  return databaseFrom(
    required(pick(flag, '--database-url', env, ENV.databaseUrl), '--database-url', ENV.databaseUrl, example),
  );
}

function intervals(flags: { taskLeaseSec?: string; heartbeatIntervalSec?: string }, env: NodeJS.ProcessEnv) {
  const lease = wholeNumber(
    pick(flags.taskLeaseSec, '--task-lease-sec', env, ENV.taskLeaseSec),
    DEFAULT_TASK_LEASE_SEC,
    2,
    86_400,
    'seconds',
  );
  const beatSrc = pick(flags.heartbeatIntervalSec, '--heartbeat-interval-sec', env, ENV.heartbeatIntervalSec);
  const beat = wholeNumber(
    beatSrc,
    Math.min(DEFAULT_HEARTBEAT_INTERVAL_SEC, Math.floor(lease / 2)),
    1,
    3_600,
    'seconds',
  );
  return { lease, beat, beatFrom: beatSrc?.from ?? ENV.heartbeatIntervalSec };
}

export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const database = databaseUrlFrom(flags.databaseUrl, env);
  const redisSrc = required(
    pick(flags.redisUrl, '--redis-url', env, ENV.redisUrl),
    '--redis-url',
    ENV.redisUrl,
    'redis://HOST:6379',
  );
  const redis = parseRedisUrl(redisSrc.value, redisSrc.from);
  const s3 = s3ConfigFromEnv(env);
  if (s3 === null) {
    throw usage(
      'no artifact store: TEMPORALCI_S3_BUCKET is not set',
      'set TEMPORALCI_S3_BUCKET (and TEMPORALCI_S3_ENDPOINT for MinIO or R2); credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    );
  }
  const { lease, beat, beatFrom } = intervals(flags, env);
  if (beat * 2 > lease) {
    throw usage(
      `${beatFrom}=${beat} is more than half the task lease (${lease} s)`,
      `a heartbeat must come at least twice per lease so one lost beat does not lose the job; set it to ${Math.floor(lease / 2)} or less`,
    );
  }
  const hostSrc = pick(flags.host, '--host', env, ENV.host);
  const host = hostSrc?.value ?? DEFAULT_HOST;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    throw usage(
      `${hostSrc?.from}="${host}" is not a host name or address`,
      'e.g. 0.0.0.0 (all interfaces) or 127.0.0.1',
    );
  }
  const port = wholeNumber(
    pick(flags.port, '--port', env, ENV.port),
    DEFAULT_PORT,
    0,
    65_535,
    'a TCP port (0: any free one)',
  );
  return { kind: 'serve', host, port, database, redis, s3, taskLeaseSec: lease, heartbeatIntervalSec: beat };
}

function coordinatorUrl(src: Source): string {
  const hint = `e.g. ${src.from === '--coordinator-url' ? '--coordinator-url' : `${src.from}=`}https://ci-fleet.example.com:8080`;
  let url: URL;
  try {
    url = new URL(src.value);
  } catch {
    throw usage(`${src.from} is not a valid URL`, hint);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`${src.from} starts with "${url.protocol}//", not http:// or https://`, hint);
  }
  if (url.username !== '' || url.password !== '') {
    throw usage(
      `${src.from} for ${url.host} has credentials in it`,
      'remove them: a worker authenticates with --token (or TEMPORALCI_TOKEN)',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw usage(
      `${src.from} for ${url.host} has a query or fragment`,
      'give the coordinator base URL only, e.g. https://host:8080',
    );
  }
  return url.toString().replace(/\/+$/, '');
}

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** `gpu=h100,region=eu`; an empty list is no labels. */
function parseLabels(src: Source | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (src === undefined) return labels;
  for (const item of src.value.split(',').map((s) => s.trim())) {
    const eq = item.indexOf('=');
    const [key, value] = eq < 0 ? [item, ''] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw usage(
        `${src.from}: "${item}" is not a label key=value`,
        'write labels as key=value,key=value with letters, digits, ".", "_" and "-" (keys may also hold "/"), e.g. gpu=h100,region=eu',
      );
    }
    if (Object.hasOwn(labels, key))
      throw usage(`${src.from}: label "${key}" is given twice`, 'give each label key once');
    labels[key] = value;
  }
  return labels;
}

function allowAdapters(src: Source | undefined): string[] {
  if (src === undefined) return [...DEFAULT_ALLOWED_ADAPTERS];
  const known = adapterNames();
  const names = [...new Set(src.value.split(',').map((s) => s.trim()))];
  for (const name of names) {
    if (name === '' || (!known.includes(name) && !isModulePath(name))) {
      throw usage(
        `${src.from}: "${name}" is not an adapter`,
        `name built-in adapters (${known.join(', ')}) or adapter module paths such as ./my-adapter.js, separated by commas`,
      );
    }
  }
  return names;
}

export function workerConfig(flags: WorkerFlags, env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const url = coordinatorUrl(
    required(
      pick(flags.coordinatorUrl, '--coordinator-url', env, ENV.coordinatorUrl),
      '--coordinator-url',
      ENV.coordinatorUrl,
      'https://HOST:8080',
    ),
  );
  const tokenSrc = required(pick(flags.token, '--token', env, ENV.token), '--token', ENV.token, 'tci_…');
  if (!looksLikeToken(tokenSrc.value)) {
    // Never repeated: a mistyped token is still mostly a secret.
    throw usage(
      `${tokenSrc.from} is not a TemporalCI token (tci_ followed by 43 characters)`,
      'create one with `temporalci tokens create --role worker --name NAME` and pass the last line it prints',
    );
  }
  const { beat } = intervals({ heartbeatIntervalSec: flags.heartbeatIntervalSec }, env);
  return {
    kind: 'worker',
    coordinatorUrl: url,
    token: tokenSrc.value,
    labels: parseLabels(pick(flags.labels, '--labels', env, ENV.labels)),
    allowAdapters: allowAdapters(pick(flags.allowAdapters, '--allow-adapters', env, ENV.allowAdapters)),
    heartbeatIntervalSec: beat,
  };
}

/** The config as log lines, secrets left out: passwords are dropped from URLs and the token is not shown. */
export function describeConfig(config: ServeConfig | WorkerConfig): string[] {
  if (config.kind === 'worker') {
    const labels = Object.entries(config.labels).map(([k, v]) => `${k}=${v}`);
    return [
      `coordinator: ${config.coordinatorUrl}`,
      'token: (set, not shown)',
      `labels: ${labels.length ? labels.join(',') : '(none)'}`,
      `allowed adapters: ${config.allowAdapters.join(',')}`,
      `heartbeat interval: ${config.heartbeatIntervalSec} s`,
    ];
  }
  const s3 = config.s3;
  const where = s3.endpoint ?? 'AWS';
  return [
    `listen: ${config.host}:${config.port}`,
    `database: ${config.database.shown}`,
    `redis: ${config.redis.shown}`,
    `s3: bucket ${s3.bucket}${s3.prefix ? `/${s3.prefix}` : ''} at ${where} (region ${s3.region}${s3.forcePathStyle ? ', path-style' : ''})`,
    `task lease: ${config.taskLeaseSec} s, heartbeat interval: ${config.heartbeatIntervalSec} s`,
  ];
}
