import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type _Object,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TemporalCIError } from '../../errors.js';
import { STORE_FILES } from '../run-files.js';
import type { ArtifactKey, ArtifactStore, RunKey } from '../types.js';
import type { S3Config } from './config.js';
import { contentTypeOf } from './content-type.js';
import { isNotFound, type S3Place, s3Failure } from './errors.js';
import { listPrefix, objectKey, runPrefix } from './keys.js';

/**
 * The ArtifactStore on an S3 bucket: a run's artifacts are objects under
 * `[<prefix>/]runs/<project>/<suite>/<model>/<run id>/` (src/store/s3/keys.ts). Nothing is read into
 * memory whole: uploads stream through lib-storage (one PUT below the part size, multipart above, at most
 * `queueSize × partSize` bytes buffered), downloads stream into a temp file that is renamed into place only
 * when every byte arrived. `localPath` is null: ffmpeg gets a fetched copy.
 */

export interface S3StoreOptions {
  /** Explicit credentials (tests, a caller that resolved them); default: the AWS default chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000; tests use a small one). */
  listPageSize?: number;
  /** Multipart part size; S3 needs at least 5 MiB for every part but the last. */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly place: S3Place;

  constructor(
    readonly config: S3Config,
    private readonly opts: S3StoreOptions = {},
  ) {
    const clientConfig: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      requestChecksumCalculation: config.requestChecksumCalculation,
      responseChecksumValidation: config.requestChecksumCalculation,
    };
    if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
    if (opts.credentials !== undefined) clientConfig.credentials = opts.credentials;
    this.client = new S3Client(clientConfig);
    this.place = { endpoint: config.endpoint, bucket: config.bucket };
  }

  /** The object key of an artifact (for the coordinator's HeadObject checks and logs). */
  keyOf(key: ArtifactKey): string {
    return objectKey(this.config.prefix, key);
  }

  /** Fails with a fix when the bucket is missing, forbidden or unreachable (for start-up and /readyz). */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (e) {
      // HeadBucket has no body, so a missing bucket is a bare 404.
      const missing = isNotFound(e) ? Object.assign(new Error('not found'), { name: 'NoSuchBucket' }) : e;
      throw s3Failure(missing, `reach bucket ${this.config.bucket}`, this.place);
    }
  }

  localPath(_key: ArtifactKey): null {
    return null;
  }

  /**
   * Uploads the file, checks that the object has the file's size (a server that stores the aws-chunked
   * framing fails here, not in a later report), then removes the local file as a move into a folder would.
   */
  async put(key: ArtifactKey, localFile: string): Promise<void> {
    const Key = this.keyOf(key);
    const size = await fs.stat(localFile).then(
      (s) => s.size,
      (e: NodeJS.ErrnoException) => {
        throw new TemporalCIError('RUN_FAILED', `cannot upload ${localFile}: ${e.code ?? e.message}`, {
          hint: 'the file to store must exist until put() returns',
        });
      },
    );
    const partSize = this.opts.partSize ?? DEFAULT_PART_SIZE;
    try {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.config.bucket,
          Key,
          Body: createReadStream(localFile),
          ContentType: contentTypeOf(key.name),
        },
        partSize,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (e) {
      throw s3Failure(e, `upload ${key.name} of run ${key.run.runId}`, this.place);
    }
    await this.checkStoredSize(Key, size, key);
    await fs.rm(localFile, { force: true });
  }

  private async checkStoredSize(Key: string, size: number, key: ArtifactKey): Promise<void> {
    let stored: number | undefined;
    try {
      stored = (await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key })))
        .ContentLength;
    } catch (e) {
      throw s3Failure(e, `check the upload of ${key.name}`, this.place);
    }
    if (stored !== size) {
      throw new TemporalCIError(
        'STORE_UNAVAILABLE',
        `S3 kept ${stored ?? 'no'} bytes of ${key.name} for the ${size} uploaded`,
        {
          hint: 'the server stored the upload framing; set TEMPORALCI_S3_CHECKSUM=WHEN_REQUIRED for this S3 server',
        },
      );
    }
  }

  async putText(key: ArtifactKey, text: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.keyOf(key),
          Body: body,
          ContentLength: body.length,
          ContentType: contentTypeOf(key.name),
        }),
      );
    } catch (e) {
      throw s3Failure(e, `write ${key.name} of run ${key.run.runId}`, this.place);
    }
  }

  /** Streams the object into `<localFile>.<pid>.<random>.partial`, renamed over `localFile` when complete. */
  async fetchTo(key: ArtifactKey, localFile: string): Promise<void> {
    const Key = this.keyOf(key);
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key }));
    } catch (e) {
      if (isNotFound(e)) throw missingArtifact(key);
      throw s3Failure(e, `download ${key.name} of run ${key.run.runId}`, this.place);
    }
    const target = path.resolve(localFile);
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
          `download of ${key.name} ended after ${received} of ${res.ContentLength} bytes`,
          { hint: 'the connection to S3 broke; retry' },
        );
      }
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw s3Failure(e, `download ${key.name} of run ${key.run.runId}`, this.place);
    }
  }

  /** True for an object, or for a folder of them (as a folder exists on disk). */
  async exists(key: ArtifactKey): Promise<boolean> {
    const Key = this.keyOf(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }));
      return true;
    } catch (e) {
      if (!isNotFound(e)) throw s3Failure(e, `look up ${key.name}`, this.place);
    }
    for await (const _ of this.list(`${Key}/`, 1)) return true;
    return false;
  }

  /** Removes the object, and every object below it when it names a folder (as `rm -r` would). */
  async remove(key: ArtifactKey): Promise<void> {
    const Key = this.keyOf(key);
    const keys = [Key];
    for await (const o of this.list(`${Key}/`)) keys.push(o);
    await this.deleteKeys(keys, `remove ${key.name}`);
  }

  async removePrefix(run: RunKey, prefix: string): Promise<void> {
    const base = runPrefix(this.config.prefix, run);
    const keys: string[] = [];
    for await (const k of this.list(listPrefix(this.config.prefix, run, prefix))) {
      // The run's own records may sit beside its artifacts (a fleet's run.json); they are not artifacts.
      if (!STORE_FILES.has(k.slice(base.length))) keys.push(k);
    }
    await this.deleteKeys(keys, `remove ${prefix}* of run ${run.runId}`);
  }

  /** A presigned GET URL, valid for `presignExpiresSec`; the same from any page, so `from` is not needed. */
  async url(key: ArtifactKey, _from?: ArtifactKey): Promise<string> {
    return this.presign(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }), key);
  }

  /** A presigned PUT URL for the artifact, for a worker that holds no S3 credentials. */
  async presignPut(key: ArtifactKey, expiresSec = this.config.presignExpiresSec): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.config.bucket,
      Key: this.keyOf(key),
      ContentType: contentTypeOf(key.name),
    });
    return this.presign(command, key, expiresSec);
  }

  private async presign(
    command: GetObjectCommand | PutObjectCommand,
    key: ArtifactKey,
    expiresIn = this.config.presignExpiresSec,
  ): Promise<string> {
    try {
      return await getSignedUrl(this.client, command, { expiresIn });
    } catch (e) {
      throw s3Failure(e, `sign a URL for ${key.name}`, this.place);
    }
  }

  async runBytes(run: RunKey): Promise<number> {
    let total = 0;
    for await (const o of this.listObjects(runPrefix(this.config.prefix, run))) total += o.Size ?? 0;
    return total;
  }

  /** Closes the client's sockets (a long-lived process keeps one store; tests close theirs). */
  destroy(): void {
    this.client.destroy();
  }

  private async *list(prefix: string, limit?: number): AsyncGenerator<string> {
    let n = 0;
    for await (const o of this.listObjects(prefix)) {
      if (o.Key === undefined) continue;
      yield o.Key;
      if (limit !== undefined && ++n >= limit) return;
    }
  }

  /** Every object under `prefix`, page by page (ListObjectsV2 returns at most 1000 keys per call). */
  private async *listObjects(prefix: string): AsyncGenerator<_Object> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.opts.listPageSize ?? 1000 },
      { Bucket: this.config.bucket, Prefix: prefix },
    );
    try {
      for await (const page of pages) yield* page.Contents ?? [];
    } catch (e) {
      throw s3Failure(e, `list ${prefix}`, this.place);
    }
  }

  private async deleteKeys(keys: readonly string[], action: string): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let errors: { Key?: string; Code?: string }[];
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.config.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        errors = res.Errors ?? [];
      } catch (e) {
        throw s3Failure(e, action, this.place);
      }
      const first = errors[0];
      if (first !== undefined) {
        throw s3Failure(
          Object.assign(new Error(`${errors.length} object(s) not deleted, first ${first.Key}`), {
            name: first.Code ?? 'DeleteFailed',
          }),
          action,
          this.place,
        );
      }
    }
  }
}

function missingArtifact(key: ArtifactKey): TemporalCIError {
  return new TemporalCIError('RUN_NOT_FOUND', `run ${key.run.runId} has no artifact ${key.name}`, {
    hint: 'it may not have been kept (artifacts.video) or been pruned',
  });
}
