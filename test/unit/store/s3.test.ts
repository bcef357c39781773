import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { planSamples } from '../../../src/runs/plan.js';
import { s3Config, s3ConfigFromEnv } from '../../../src/store/s3/config.js';
import { s3Failure, scrub } from '../../../src/store/s3/errors.js';
import { bundleKey } from '../../../src/store/s3/keys.js';
import { S3ArtifactStore } from '../../../src/store/s3/store.js';
import { extractBundle } from '../../../src/suite/bundle/extract.js';
import { createBundle } from '../../../src/suite/bundle/pack.js';
import { loadSuite } from '../../../src/suite/load.js';
import { DUMMY_CREDENTIALS, useLocalS3 } from '../../support/s3.js';
import { MODEL, runId } from './fixtures.js';

const s3 = useLocalS3('tci-s3-errors');
const key = { run: { ...MODEL, runId: runId(1) }, name: 'videos/s1.mp4' };
const stores: S3ArtifactStore[] = [];
afterAll(() => {
  for (const s of stores) s.destroy();
});

function open(config: ReturnType<typeof s3Config>): S3ArtifactStore {
  const store = new S3ArtifactStore(config, { credentials: DUMMY_CREDENTIALS });
  stores.push(store);
  return store;
}

async function failure(p: Promise<unknown>): Promise<TemporalCIError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TemporalCIError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('s3ConfigFromEnv', () => {
  it('is null without a bucket, and fills defaults from the bucket alone', () => {
    expect(s3ConfigFromEnv({})).toBeNull();
    expect(s3ConfigFromEnv({ TEMPORALCI_S3_BUCKET: 'runs-bucket' })).toEqual({
      bucket: 'runs-bucket',
      region: 'us-east-1',
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      presignExpiresSec: 3600,
    });
  });

  it('reads every variable, and a custom endpoint implies path-style unless told otherwise', () => {
    const env = {
      TEMPORALCI_S3_BUCKET: 'fleet',
      TEMPORALCI_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      TEMPORALCI_S3_REGION: 'auto',
      TEMPORALCI_S3_CHECKSUM: 'when_required',
      TEMPORALCI_S3_PREFIX: '/team-a/ci/',
      TEMPORALCI_S3_PRESIGN_EXPIRES_SEC: '600',
    };
    expect(s3ConfigFromEnv(env)).toEqual({
      bucket: 'fleet',
      endpoint: 'http://127.0.0.1:9000',
      region: 'auto',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      prefix: 'team-a/ci',
      presignExpiresSec: 600,
    });
    expect(s3ConfigFromEnv({ ...env, TEMPORALCI_S3_FORCE_PATH_STYLE: 'false' })?.forcePathStyle).toBe(false);
    expect(s3ConfigFromEnv({ TEMPORALCI_S3_BUCKET: 'b-1', AWS_REGION: 'eu-west-1' })?.region).toBe(
      'eu-west-1',
    );
  });

  it.each([
    [{ TEMPORALCI_S3_BUCKET: 'Bad_Bucket' }, /not a valid bucket name/],
    [{ TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_CHECKSUM: 'crc32' }, /TEMPORALCI_S3_CHECKSUM="crc32"/],
    [
      { TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_FORCE_PATH_STYLE: 'maybe' },
      /TEMPORALCI_S3_FORCE_PATH_STYLE/,
    ],
    [
      { TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_ENDPOINT: 'localhost:9000' },
      /not http or https|not a URL/,
    ],
    [{ TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_ENDPOINT: 'ftp://h' }, /not http or https/],
    [{ TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_PREFIX: 'a/../b' }, /not a plain folder path/],
    [{ TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_PRESIGN_EXPIRES_SEC: '1h' }, /not whole seconds/],
    [{ TEMPORALCI_S3_BUCKET: 'b-1', TEMPORALCI_S3_PRESIGN_EXPIRES_SEC: '999999999' }, /out of range/],
    [{ TEMPORALCI_S3_ENDPOINT: 'http://127.0.0.1:9000' }, /TEMPORALCI_S3_BUCKET is not/],
  ])('refuses %o', (env, message) => {
    const e = (() => {
      try {
        s3ConfigFromEnv(env);
      } catch (err) {
        return err as TemporalCIError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(TemporalCIError);
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });

  it('never repeats credentials written into the endpoint URL', () => {
    let message = '';
    try {
      s3Config({ bucket: 'b-1', endpoint: 'https://AKIAXX:very-secret@s3.example.com' });
    } catch (e) {
      message = `${(e as TemporalCIError).message} ${(e as TemporalCIError).hint}`;
    }
    expect(message).toContain('s3.example.com');
    expect(message).not.toContain('very-secret');
    expect(message).not.toContain('AKIAXX');
  });
});

describe('S3 failures', () => {
  it('a missing bucket is STORE_UNAVAILABLE saying so, from check() and from an upload', async () => {
    const store = open(s3.config({ bucket: 'no-such-bucket' }));
    const e = await failure(store.check());
    expect(e.code).toBe('STORE_UNAVAILABLE');
    expect(e.message).toMatch(/bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+ does not exist/);
    expect(e.hint).toMatch(/create the bucket/);
    const put = await failure(store.putText(key, 'x'));
    expect(put.code).toBe('STORE_UNAVAILABLE');
    expect(put.message).toMatch(/does not exist/);
    await expect(open(s3.config()).check()).resolves.toBeUndefined();
  });

  it('an unreachable endpoint is STORE_UNAVAILABLE naming the endpoint, not the secret', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = open(s3.config({ endpoint }));
    const e = await failure(store.putText(key, 'x'));
    expect(e.code).toBe('STORE_UNAVAILABLE');
    expect(e.message).toContain(`the S3 endpoint ${endpoint} is unreachable (ECONNREFUSED)`);
    expect(e.hint).toMatch(/TEMPORALCI_S3_ENDPOINT/);
    expect(`${e.message} ${e.hint} ${e.stack}`).not.toContain(DUMMY_CREDENTIALS.secretAccessKey);
    expect(e.cause).toBeUndefined();
  });

  it('access denied says which bucket and what the policy needs, with signatures and secrets cut', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const previous = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    try {
      const sdkError = Object.assign(
        new Error(
          `denied for https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261202&X-Amz-Signature=abc123 key ${secret}`,
        ),
        { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
      );
      const e = s3Failure(sdkError, 'upload videos/s1.mp4', { endpoint: undefined, bucket: 'b-1' });
      expect(e.code).toBe('STORE_UNAVAILABLE');
      expect(e.message).toBe('cannot upload videos/s1.mp4: access to bucket b-1 was denied (AccessDenied)');
      expect(e.hint).toMatch(/s3:PutObject/);
      const other = s3Failure(
        Object.assign(sdkError, { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
        'x',
        {
          endpoint: undefined,
          bucket: 'b-1',
        },
      );
      expect(other.message).toContain('SlowDown (HTTP 503)');
      expect(other.message).not.toContain(secret);
      expect(other.message).not.toContain('abc123');
      expect(other.message).not.toContain('AKIA%2F');
      expect(scrub(`Credential=AKIA/x, Signature=deadbeef`)).toBe(
        'Credential=[redacted], Signature=[redacted]',
      );
    } finally {
      if (previous === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = previous;
    }
  });
});

describe('bundle keys', () => {
  it('address a bundle by its sha256 under the prefix, and refuse anything else', () => {
    const sha = 'a'.repeat(64);
    expect(bundleKey(undefined, sha)).toBe(`bundles/${sha}.tar.gz`);
    expect(bundleKey('team', sha)).toBe(`team/bundles/${sha}.tar.gz`);
    expect(() => bundleKey(undefined, '../x')).toThrow(/not a sha256/);
  });
});

describe('suite bundles on S3', () => {
  it('upload once, look up, download on a worker and extract to the same plan', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-s3-bundle-'));
    try {
      const suite = await loadSuite(
        path.resolve(import.meta.dirname, '../../../examples/interpolation_minterpolate.yaml'),
      );
      const bundle = await createBundle(suite, path.join(tmp, 'submit'));
      const store = open(s3.config({ prefix: 'fleet-a' }));
      expect(await store.hasBundle(bundle.sha256)).toBe(false);
      await store.putBundle(bundle.sha256, bundle.file);
      expect(await store.hasBundle(bundle.sha256)).toBe(true);
      const cached = path.join(tmp, 'worker', 'cache', `${bundle.sha256}.tar.gz`);
      await store.fetchBundle(bundle.sha256, cached);
      const back = await extractBundle(cached, path.join(tmp, 'worker', 'suites', bundle.sha256));
      const plan = (x: typeof suite) => planSamples(x.config.models[0]!.name, x.tests);
      expect(plan(back.suite)).toEqual(plan(suite));
      expect(await codeOf(store.fetchBundle('c'.repeat(64), path.join(tmp, 'none.tar.gz')))).toBe(
        'RUN_NOT_FOUND',
      );
      expect(await fs.readdir(tmp)).toEqual(['submit', 'worker']);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TemporalCIError).code;
  }
  return 'resolved';
}
