import { TemporalCIError } from '../../errors.js';
import { redact } from '../../platform/env.js';

/**
 * S3 failures as TemporalCIErrors that say what to fix. The SDK's own messages can quote a request (a
 * presigned query string, a credential scope), so none is passed through unfiltered: signatures and
 * credentials are cut from the text, and the secret values the default chain reads from the environment
 * are redacted. The SDK error is not kept as `cause` for the same reason.
 */

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export interface S3Place {
  endpoint: string | undefined;
  bucket: string;
}

const SIGNED_PARAMS = /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']*/gi;
const AUTH_HEADER = /(Signature|Credential)=[^,\s"']*/g;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
]);

/** Secrets of the AWS default chain, as this process sees them. */
function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN].filter(
    (v): v is string => v !== undefined && v.length > 0,
  );
}

/** Text from the SDK, safe to show: no signature, credential scope or secret key in it. */
export function scrub(text: string): string {
  return redact(
    text.replace(SIGNED_PARAMS, '$1[redacted]').replace(AUTH_HEADER, '$1=[redacted]'),
    envSecrets(),
  );
}

function networkCode(e: SdkErrorShape): string | undefined {
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    const code = (c as SdkErrorShape).code;
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
    c = (c as SdkErrorShape).cause;
  }
  return undefined;
}

function where(place: S3Place): string {
  return `bucket ${place.bucket}${place.endpoint === undefined ? '' : ` at ${place.endpoint}`}`;
}

/** What went wrong in `action` ("upload videos/s1.mp4"), as a STORE_UNAVAILABLE error with a fix. */
export function s3Failure(e: unknown, action: string, place: S3Place): TemporalCIError {
  if (e instanceof TemporalCIError) return e;
  const err = (e ?? {}) as SdkErrorShape;
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const fail = (message: string, hint: string) =>
    new TemporalCIError('STORE_UNAVAILABLE', `cannot ${action}: ${message}`, { hint });
  const net = networkCode(err);
  if (net !== undefined || name === 'TimeoutError') {
    return fail(
      `the S3 endpoint ${place.endpoint ?? '(AWS)'} is unreachable (${net ?? name})`,
      'check TEMPORALCI_S3_ENDPOINT and that the S3 server is running and reachable from this machine',
    );
  }
  if (name === 'NoSuchBucket') {
    return fail(
      `${where(place)} does not exist`,
      'create the bucket, or set TEMPORALCI_S3_BUCKET (and TEMPORALCI_S3_ENDPOINT) to an existing one',
    );
  }
  if (name === 'CredentialsProviderError') {
    return fail(
      'no AWS credentials were found',
      'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run with an instance role)',
    );
  }
  if (
    status === 403 ||
    ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(name)
  ) {
    return fail(
      `access to ${where(place)} was denied (${name})`,
      'check the AWS credentials and that their policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket',
    );
  }
  const detail = err.message ? `: ${scrub(err.message).slice(0, 300)}` : '';
  return fail(
    `S3 answered ${name}${status === undefined ? '' : ` (HTTP ${status})`}${detail}`,
    `check ${where(place)}; TEMPORALCI_S3_CHECKSUM=WHEN_REQUIRED helps with R2 and older MinIO`,
  );
}

/** Whether S3 said the object is not there (GetObject, HeadObject). */
export function isNotFound(e: unknown): boolean {
  const err = e as SdkErrorShape;
  if (err?.name === 'NoSuchBucket') return false;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
