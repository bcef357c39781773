import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll } from 'vitest';
import { type S3Config, s3Config } from '../../src/store/s3/config.js';

/**
 * A local S3 for tests: fauxqs 1.9.2 (../shared/reference/fleet.md §2; MinIO is not installable here), in
 * this test process, on 127.0.0.1 and a free port, with one fresh bucket per test file. `startFauxqs()` is
 * not used because it listens on 0.0.0.0. fauxqs checks no signature at all, so the credentials below are
 * placeholders; what it does verify (multipart part sizes, pagination, presigned GET/PUT) is what the
 * store relies on.
 */

export const DUMMY_CREDENTIALS = {
  accessKeyId: 'tci-test-key',
  secretAccessKey: 'tci-test-secret-0123456789',
};

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  config(overrides?: Partial<S3Config>): S3Config;
  /** A raw client on the same server, for checks behind the store's back (stored bytes, listings). */
  client: S3Client;
}

/** Starts fauxqs on 127.0.0.1 and a free port with one fresh bucket (the tests use useLocalS3 below). */
export async function startLocalS3(bucket: string): Promise<{ s3: LocalS3; close: () => Promise<void> }> {
  const app = buildApp({ logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: DUMMY_CREDENTIALS,
  });
  const close = async () => {
    client.destroy();
    await app.close();
  };
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    await close();
    throw e;
  }
  const config = (overrides: Partial<S3Config> = {}) =>
    s3Config({ bucket, endpoint, forcePathStyle: true, ...overrides });
  return { s3: { endpoint, bucket, config, client }, close };
}

/** Starts the server before the file's tests and closes it after them; read the fields inside tests. */
export function useLocalS3(bucket = 'tci-test'): LocalS3 {
  const s3 = {} as LocalS3;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const started = await startLocalS3(bucket);
    Object.assign(s3, started.s3);
    close = started.close;
  });
  afterAll(async () => {
    await close?.();
  });
  return s3;
}
