import { TemporalCIError } from '../../errors.js';

/**
 * Where the fleet keeps its artifacts: one bucket (optionally under a key prefix) on S3 or anything that
 * speaks its API (MinIO, R2, Ceph). Credentials are not part of it: they come from the AWS default chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or pod role), so no secret ever sits
 * in a config object that could be logged.
 */
export interface S3Config {
  bucket: string;
  /** A custom endpoint (`http://127.0.0.1:9000` for MinIO); absent = AWS itself. */
  endpoint?: string;
  region: string;
  /** `bucket` in the path instead of the host name; needed by MinIO and most custom endpoints. */
  forcePathStyle: boolean;
  /**
   * WHEN_SUPPORTED (the SDK default) sends CRC32 checksums on every upload; R2 and MinIO releases before
   * 2025 reject those headers, and WHEN_REQUIRED sends them only where S3 demands one.
   */
  requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Keys are `<prefix>/runs/<project>/…` when set, so one bucket can hold several fleets. */
  prefix?: string;
  /** Lifetime of the presigned GET URLs `url()` hands out, in seconds (S3 allows at most 7 days). */
  presignExpiresSec: number;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_PRESIGN_EXPIRES_SEC = 3600;
const MAX_PRESIGN_EXPIRES_SEC = 7 * 24 * 3600;

const CHECKSUM_MODES = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const;

/** Bucket names as S3 accepts them (3–63 lower-case letters, digits, dots and hyphens). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function usage(message: string, hint: string): TemporalCIError {
  return new TemporalCIError('USAGE', message, { hint });
}

/** Fills defaults and checks every field, so a bad setting fails at start-up, not at the first upload. */
export function s3Config(input: Partial<S3Config> & { bucket: string }): S3Config {
  if (!BUCKET.test(input.bucket) || input.bucket.includes('..')) {
    throw usage(
      `S3 bucket "${input.bucket}" is not a valid bucket name`,
      'bucket names are 3-63 characters: lower-case letters, digits, "." and "-"',
    );
  }
  const config: S3Config = {
    bucket: input.bucket,
    region: input.region ?? DEFAULT_REGION,
    forcePathStyle: input.forcePathStyle ?? input.endpoint !== undefined,
    requestChecksumCalculation: input.requestChecksumCalculation ?? 'WHEN_SUPPORTED',
    presignExpiresSec: input.presignExpiresSec ?? DEFAULT_PRESIGN_EXPIRES_SEC,
  };
  if (input.endpoint !== undefined) config.endpoint = checkEndpoint(input.endpoint);
  if (input.prefix !== undefined && input.prefix !== '') config.prefix = checkPrefix(input.prefix);
  if (!/^[a-z0-9-]+$/.test(config.region)) {
    throw usage(`S3 region "${config.region}" is not a region name`, 'e.g. us-east-1 or auto (R2)');
  }
  if (!CHECKSUM_MODES.includes(config.requestChecksumCalculation)) {
    throw usage(
      `S3 checksum mode "${String(config.requestChecksumCalculation)}" is not known`,
      'use WHEN_SUPPORTED (AWS, current MinIO) or WHEN_REQUIRED (R2, older MinIO)',
    );
  }
  const ttl = config.presignExpiresSec;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_PRESIGN_EXPIRES_SEC) {
    throw usage(
      `presigned URL lifetime ${ttl} s is out of range`,
      `give whole seconds from 1 to ${MAX_PRESIGN_EXPIRES_SEC} (7 days, the S3 limit)`,
    );
  }
  return config;
}

/** An http(s) URL without credentials in it (they belong in the AWS variables, never in a URL). */
function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw usage(
      `S3 endpoint "${endpoint}" is not a URL`,
      'e.g. http://127.0.0.1:9000 or https://s3.example.com',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(
      `S3 endpoint ${url.protocol}//${url.host} is not http or https`,
      'e.g. https://s3.example.com',
    );
  }
  if (url.username !== '' || url.password !== '') {
    // The message names the host only: the URL itself carries the secret.
    throw usage(
      `S3 endpoint for ${url.host} has credentials in its URL`,
      'remove them from the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead',
    );
  }
  return endpoint.replace(/\/+$/, '');
}

/** `fleet-a` or `team/fleet-a`: `/`-separated segments, none empty, none `.` or `..`. */
function checkPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const segments = trimmed.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s))) {
    throw usage(
      `S3 key prefix "${prefix}" is not a plain folder path`,
      'use segments of letters, digits, ".", "_" and "-" separated by "/", e.g. fleets/team-a',
    );
  }
  return trimmed;
}

const ENV = {
  endpoint: 'TEMPORALCI_S3_ENDPOINT',
  bucket: 'TEMPORALCI_S3_BUCKET',
  region: 'TEMPORALCI_S3_REGION',
  forcePathStyle: 'TEMPORALCI_S3_FORCE_PATH_STYLE',
  checksum: 'TEMPORALCI_S3_CHECKSUM',
  prefix: 'TEMPORALCI_S3_PREFIX',
  presign: 'TEMPORALCI_S3_PRESIGN_EXPIRES_SEC',
} as const;

function parseBool(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw usage(`${name}="${value}" is not a boolean`, `set ${name} to true or false`);
}

/**
 * The S3 settings from TEMPORALCI_S3_* variables; null when TEMPORALCI_S3_BUCKET is unset (no fleet store).
 * A variable set to a bad value is an error naming the variable, never silently ignored.
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv): S3Config | null {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const bucket = get(ENV.bucket);
  if (bucket === undefined) {
    const stray = [ENV.endpoint, ENV.region, ENV.forcePathStyle, ENV.checksum, ENV.prefix].filter(
      (n) => get(n) !== undefined,
    );
    if (stray.length === 0) return null;
    throw usage(`${stray.join(', ')} set but ${ENV.bucket} is not`, `export ${ENV.bucket}=<bucket name>`);
  }
  const input: Partial<S3Config> & { bucket: string } = { bucket };
  const endpoint = get(ENV.endpoint);
  if (endpoint !== undefined) input.endpoint = endpoint;
  const region = get(ENV.region) ?? get('AWS_REGION') ?? get('AWS_DEFAULT_REGION');
  if (region !== undefined) input.region = region;
  const pathStyle = get(ENV.forcePathStyle);
  if (pathStyle !== undefined) input.forcePathStyle = parseBool(ENV.forcePathStyle, pathStyle);
  const checksum = get(ENV.checksum);
  if (checksum !== undefined) {
    const mode = checksum.toUpperCase();
    if (mode !== 'WHEN_SUPPORTED' && mode !== 'WHEN_REQUIRED') {
      throw usage(
        `${ENV.checksum}="${checksum}" is not WHEN_SUPPORTED or WHEN_REQUIRED`,
        `set ${ENV.checksum}=WHEN_REQUIRED for R2 and older MinIO, or leave it unset`,
      );
    }
    input.requestChecksumCalculation = mode;
  }
  const prefix = get(ENV.prefix);
  if (prefix !== undefined) input.prefix = prefix;
  const ttl = get(ENV.presign);
  if (ttl !== undefined) {
    if (!/^\d+$/.test(ttl)) throw usage(`${ENV.presign}="${ttl}" is not whole seconds`, 'e.g. 3600');
    input.presignExpiresSec = Number(ttl);
  }
  return s3Config(input);
}
