import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { TemporalCIError } from '../../errors.js';
import { isNotFound, type S3Place, s3Failure } from './errors.js';

/**
 * Whole-object transfers between a local file and S3, streamed both ways: lib-storage sends one PUT
 * below the part size and a multipart upload above it (at most `queueSize × partSize` bytes in memory);
 * a download lands in a temp file beside the target and is renamed over it only when every byte arrived.
 */

export interface Transfer {
  client: S3Client;
  place: S3Place;
  Key: string;
  /** In words, for errors: "upload videos/s1.mp4 of run …". */
  what: string;
}

/** Uploads, then checks the object has the file's size: a server that stored the aws-chunked framing fails here. */
export async function uploadFile(
  t: Transfer,
  file: string,
  opts: { contentType: string; partSize: number },
): Promise<void> {
  const size = await fs.stat(file).then(
    (s) => s.size,
    (e: NodeJS.ErrnoException) => {
      throw new TemporalCIError('RUN_FAILED', `cannot ${t.what}: ${file}: ${e.code ?? e.message}`, {
        hint: 'the file to store must exist until the upload returns',
      });
    },
  );
  try {
    const upload = new Upload({
      client: t.client,
      params: {
        Bucket: t.place.bucket,
        Key: t.Key,
        Body: createReadStream(file),
        ContentType: opts.contentType,
      },
      partSize: opts.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
  } catch (e) {
    throw s3Failure(e, t.what, t.place);
  }
  let stored: number | undefined;
  try {
    stored = (await t.client.send(new HeadObjectCommand({ Bucket: t.place.bucket, Key: t.Key })))
      .ContentLength;
  } catch (e) {
    throw s3Failure(e, `check the ${t.what}`, t.place);
  }
  if (stored !== size) {
    throw new TemporalCIError(
      'STORE_UNAVAILABLE',
      `S3 kept ${stored ?? 'no'} bytes for the ${size} of the ${t.what}`,
      {
        hint: 'the server stored the upload framing; set TEMPORALCI_S3_CHECKSUM=WHEN_REQUIRED for this S3 server',
      },
    );
  }
}

/** Downloads to `file`; false (and nothing written) when there is no such object. */
export async function downloadFile(t: Transfer, file: string): Promise<boolean> {
  let res: GetObjectCommandOutput;
  try {
    res = await t.client.send(new GetObjectCommand({ Bucket: t.place.bucket, Key: t.Key }));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw s3Failure(e, t.what, t.place);
  }
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.Body as NodeJS.ReadableStream, count, createWriteStream(tmp));
    if (res.ContentLength !== undefined && received !== res.ContentLength) {
      throw new TemporalCIError(
        'STORE_UNAVAILABLE',
        `the ${t.what} ended after ${received} of ${res.ContentLength} bytes`,
        { hint: 'the connection to S3 broke; retry' },
      );
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw s3Failure(e, t.what, t.place);
  }
  return true;
}
