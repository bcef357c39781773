import { promises as fs } from 'node:fs';
import {
  type _Object,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { TemporalCIError } from '../../errors.js';
import { STORE_FILES } from '../run-files.js';
import type { ArtifactKey, ArtifactStore, RunKey } from '../types.js';
import { type S3Config, s3Config } from './config.js';
import { contentTypeOf } from './content-type.js';
import { isNotFound, type S3Place, s3Failure } from './errors.js';
import { bundleKey, listPrefix, objectKey, runPrefix } from './keys.js';
import { downloadFile, type Transfer, uploadFile } from './transfer.js';

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

  readonly config: S3Config;

  constructor(
    config: S3Config,
    private readonly opts: S3StoreOptions = {},
  ) {
    // Checked again here, so a config built by hand fails as clearly as one read from the environment.
    this.config = s3Config(config);
    const clientConfig: S3ClientConfig = {
      region: this.config.region,
      forcePathStyle: this.config.forcePathStyle,
      requestChecksumCalculation: this.config.requestChecksumCalculation,
      responseChecksumValidation: this.config.requestChecksumCalculation,
    };
    if (this.config.endpoint !== undefined) clientConfig.endpoint = this.config.endpoint;
    if (opts.credentials !== undefined) clientConfig.credentials = opts.credentials;
    this.client = new S3Client(clientConfig);
    this.place = { endpoint: this.config.endpoint, bucket: this.config.bucket };
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

  /** Uploads the file (checking the stored size), then removes it, as a move into a folder would. */
  async put(key: ArtifactKey, localFile: string): Promise<void> {
    const what = `upload ${key.name} of run ${key.run.runId}`;
    await uploadFile(this.transfer(this.keyOf(key), what), localFile, {
      contentType: contentTypeOf(key.name),
      partSize: this.opts.partSize ?? DEFAULT_PART_SIZE,
    });
    await fs.rm(localFile, { force: true });
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

  /** Streams the object into a temp file beside `localFile`, renamed over it when complete. */
  async fetchTo(key: ArtifactKey, localFile: string): Promise<void> {
    const what = `download ${key.name} of run ${key.run.runId}`;
    if (!(await downloadFile(this.transfer(this.keyOf(key), what), localFile))) {
      throw new TemporalCIError('RUN_NOT_FOUND', `run ${key.run.runId} has no artifact ${key.name}`, {
        hint: 'it may not have been kept (artifacts.video) or been pruned',
      });
    }
  }

  /** Stores a suite bundle at `bundles/<sha256>.tar.gz` (the local file stays: the submitter may reuse it). */
  async putBundle(sha256: string, localFile: string): Promise<void> {
    const what = `upload suite bundle ${sha256.slice(0, 12)}`;
    await uploadFile(this.transfer(bundleKey(this.config.prefix, sha256), what), localFile, {
      contentType: 'application/gzip',
      partSize: this.opts.partSize ?? DEFAULT_PART_SIZE,
    });
  }

  /** Whether the bundle is stored already (a submitter skips the upload of a suite it sent before). */
  async hasBundle(sha256: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: bundleKey(this.config.prefix, sha256) }),
      );
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw s3Failure(e, `look up suite bundle ${sha256.slice(0, 12)}`, this.place);
    }
  }

  /** Downloads a bundle to `localFile`; extractBundle then checks it hashes to `sha256`. */
  async fetchBundle(sha256: string, localFile: string): Promise<void> {
    const what = `download suite bundle ${sha256.slice(0, 12)}`;
    if (!(await downloadFile(this.transfer(bundleKey(this.config.prefix, sha256), what), localFile))) {
      throw new TemporalCIError(
        'RUN_NOT_FOUND',
        `no suite bundle ${sha256} in bucket ${this.config.bucket}`,
        {
          hint: 'the submitter uploads the bundle before the run starts; submit the run again',
        },
      );
    }
  }

  /** A presigned GET of a bundle, for a fleet worker that holds no S3 credentials. */
  async bundleUrl(sha256: string, expiresSec = this.config.presignExpiresSec): Promise<string> {
    const Key = bundleKey(this.config.prefix, sha256);
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.config.bucket, Key }), {
        expiresIn: expiresSec,
      });
    } catch (e) {
      throw s3Failure(e, `sign a URL for suite bundle ${sha256.slice(0, 12)}`, this.place);
    }
  }

  /** The stored object's size in bytes, or null when there is none (what a coordinator checks an upload by). */
  async sizeOf(key: ArtifactKey): Promise<number | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(key) }),
      );
      return head.ContentLength ?? null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw s3Failure(e, `look up ${key.name}`, this.place);
    }
  }

  private transfer(Key: string, what: string): Transfer {
    return { client: this.client, place: this.place, Key, what };
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

  /** The names of a run's artifacts (not its records, not attempt-scoped uploads of a fleet's workers). */
  async *artifactNames(run: RunKey): AsyncGenerator<string> {
    const base = runPrefix(this.config.prefix, run);
    for await (const k of this.list(base)) {
      const name = k.slice(base.length);
      if (!STORE_FILES.has(name) && !name.startsWith('attempts/')) yield name;
    }
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
