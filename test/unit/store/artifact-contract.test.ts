import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TemporalCIError } from '../../../src/errors.js';
import { LocalStore } from '../../../src/store/local.js';
import { MemoryRunStore } from '../../../src/store/memory.js';
import { S3ArtifactStore } from '../../../src/store/s3/store.js';
import type { ArtifactKey, ArtifactStore, RunKey } from '../../../src/store/types.js';
import { DUMMY_CREDENTIALS, useLocalS3 } from '../../support/s3.js';
import { MODEL, runId } from './fixtures.js';

/**
 * One ArtifactStore contract for every implementation: the local artifacts folder, the in-memory store and
 * S3 (on fauxqs, with both checksum settings). What the engine does with artifacts (put a video, fetch it
 * for a baseline pairing, drop scratch folders, size a run for prune) behaves the same on each, and a name
 * from a suite that tries to leave its run is refused by each alike.
 */

const s3 = useLocalS3('tci-artifact-contract');
let tmp: string;
let prefixes = 0;
const opened: S3ArtifactStore[] = [];

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-artifacts-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  for (const s of opened.splice(0)) s.destroy();
});

/** Each S3 store gets its own key prefix, so tests share the bucket without seeing each other's objects. */
function s3Store(checksum: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'): S3ArtifactStore {
  const store = new S3ArtifactStore(
    s3.config({ prefix: `t${++prefixes}`, requestChecksumCalculation: checksum }),
    {
      credentials: DUMMY_CREDENTIALS,
      listPageSize: 2,
      // The smallest part S3 allows, so the few-MB file below goes up in several parts.
      partSize: 5 * 1024 * 1024,
    },
  );
  opened.push(store);
  return store;
}

const stores: [string, () => ArtifactStore][] = [
  ['LocalStore', () => new LocalStore(path.join(tmp, 'artifacts'), { warn: () => undefined })],
  ['MemoryRunStore', () => new MemoryRunStore()],
  ['S3ArtifactStore (checksums WHEN_SUPPORTED)', () => s3Store('WHEN_SUPPORTED')],
  ['S3ArtifactStore (checksums WHEN_REQUIRED)', () => s3Store('WHEN_REQUIRED')],
];

const run = (n: number): RunKey => ({ ...MODEL, runId: runId(n) });
const a = (name: string, n = 1): ArtifactKey => ({ run: run(n), name });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TemporalCIError).code ?? 'not a TemporalCIError';
  }
  return 'resolved';
}

async function writeTemp(name: string, data: Buffer | string): Promise<string> {
  const file = path.join(tmp, 'in', name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
  return file;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each(stores)('%s', (_name, make) => {
  let store: ArtifactStore;
  beforeEach(() => {
    store = make();
  });

  it('round-trips text and files byte for byte, and moves the local file in', async () => {
    await store.putText(a('report.html'), '<p>héllo</p>\n');
    await store.fetchTo(a('report.html'), path.join(tmp, 'out', 'report.html'));
    expect(await fs.readFile(path.join(tmp, 'out', 'report.html'), 'utf8')).toBe('<p>héllo</p>\n');

    const small = randomBytes(1000);
    const file = await writeTemp('s1.mp4', small);
    await store.put(a('videos/s1.mp4'), file);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.fetchTo(a('videos/s1.mp4'), path.join(tmp, 'out', 'deep', 's1.mp4'));
    expect((await fs.readFile(path.join(tmp, 'out', 'deep', 's1.mp4'))).equals(small)).toBe(true);
  });

  it('round-trips a file of several MB (several multipart parts on S3) exactly', async () => {
    const big = randomBytes(12 * 1024 * 1024 + 4321);
    await store.put(a('videos/big.mp4'), await writeTemp('big.mp4', big));
    const out = path.join(tmp, 'out', 'big.mp4');
    await store.fetchTo(a('videos/big.mp4'), out);
    const back = await fs.readFile(out);
    expect(back.length).toBe(big.length);
    expect(sha(back)).toBe(sha(big));
    expect(await store.runBytes(run(1))).toBe(big.length);
  });

  it('fetching a missing artifact is RUN_NOT_FOUND and leaves nothing at the target', async () => {
    const out = path.join(tmp, 'out', 'missing.mp4');
    expect(await codeOf(store.fetchTo(a('videos/missing.mp4'), out))).toBe('RUN_NOT_FOUND');
    expect(await fs.readdir(path.dirname(out)).catch(() => [])).toEqual([]);
  });

  it('answers exists for files and for folders of them, and removes either', async () => {
    await store.putText(a('work/s1/gen.log'), 'log');
    await store.putText(a('work/s1/frames/0.png'), 'png');
    await store.putText(a('videos/s1.mp4'), 'mp4');
    expect(await store.exists(a('work/s1/gen.log'))).toBe(true);
    expect(await store.exists(a('work/s1'))).toBe(true);
    expect(await store.exists(a('work/s'))).toBe(false);
    expect(await store.exists(a('videos/s1.mp4', 2))).toBe(false);

    await store.remove(a('videos/s1.mp4'));
    expect(await store.exists(a('videos/s1.mp4'))).toBe(false);
    await store.remove(a('work/s1'));
    expect(await store.exists(a('work/s1/frames/0.png'))).toBe(false);
    await store.remove(a('videos/never-there.mp4'));
  });

  it('removes a prefix across many objects and sums a run across pages, touching no other run', async () => {
    let bytes = 0;
    for (let i = 0; i < 7; i++) {
      const text = 'x'.repeat(10 + i);
      bytes += text.length;
      await store.putText(a(`work/s${i}/gen.log`), text);
    }
    await store.putText(a('work-notes.txt'), 'keep');
    await store.putText(a('videos/v.mp4'), 'video');
    await store.putText(a('work/s1/gen.log', 2), 'other run');
    expect(await store.runBytes(run(1))).toBe(bytes + 'keep'.length + 'video'.length);

    await store.removePrefix(run(1), 'work/s1');
    expect(await store.exists(a('work/s1/gen.log'))).toBe(false);
    expect(await store.exists(a('work/s2/gen.log'))).toBe(true);
    await store.removePrefix(run(1), 'work/');
    for (let i = 0; i < 7; i++) expect(await store.exists(a(`work/s${i}/gen.log`))).toBe(false);
    expect(await store.exists(a('work-notes.txt'))).toBe(true);
    expect(await store.runBytes(run(1))).toBe('keep'.length + 'video'.length);
    expect(await store.exists(a('work/s1/gen.log', 2))).toBe(true);
    expect(await store.runBytes(run(2))).toBe('other run'.length);
    expect(await store.runBytes(run(3))).toBe(0);
  });

  it('refuses names that would leave the run, on every operation', async () => {
    const hostile = [
      '',
      '.',
      '..',
      '../x',
      `../${runId(2)}/x`,
      'a/../../x',
      '/etc/passwd',
      '\\..\\x',
      'videos//x.mp4',
      'run.json',
    ];
    const file = await writeTemp('h.mp4', 'h');
    for (const name of hostile) {
      const key = a(name);
      expect(await codeOf(store.putText(key, 'x')), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.put(key, file)), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.fetchTo(key, path.join(tmp, 'out'))), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.exists(key)), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.remove(key)), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.url(key)), name).toBe('PATH_UNSAFE');
    }
    for (const prefix of ['', '../', '/abs/', 'a//b']) {
      expect(await codeOf(store.removePrefix(run(1), prefix)), prefix).toBe('PATH_UNSAFE');
    }
    const badRuns: RunKey[] = [
      { ...run(1), project: '..' },
      { ...run(1), suite: 'a/b' },
      { ...run(1), model: '' },
      { ...run(1), runId: '../x' },
    ];
    for (const r of badRuns) {
      expect(await codeOf(store.putText({ run: r, name: 'x.txt' }, 'x')), JSON.stringify(r)).toBe(
        'PATH_UNSAFE',
      );
      expect(await codeOf(store.runBytes(r))).toBe('PATH_UNSAFE');
    }
    expect(await fs.readFile(file, 'utf8')).toBe('h');
  });

  it('hands out a URL for an artifact', async () => {
    await store.putText(a('videos/a b#1.mp4'), 'movie');
    const url = await store.url(a('videos/a b#1.mp4'), a('report.html'));
    if (store instanceof S3ArtifactStore) {
      // Presigned: fetchable as is, from any page, by a browser that holds no credentials.
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('movie');
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(url).toContain('X-Amz-Expires=');
    } else {
      expect(url).toBe('videos/a%20b%231.mp4');
    }
  });
});

describe('S3ArtifactStore objects', () => {
  it('keeps a streamed upload as the file bytes, with no aws-chunked framing, under the run layout', async () => {
    const store = s3Store('WHEN_SUPPORTED');
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    data.write('first bytes');
    await store.put(a('videos/s1.mp4'), await writeTemp('s1.mp4', data));
    const key = store.keyOf(a('videos/s1.mp4'));
    expect(key).toBe(`t${prefixes}/runs/p/s/m/${runId(1)}/videos/s1.mp4`);
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const stored = Buffer.from(await raw.Body!.transformToByteArray());
    expect(stored.length).toBe(data.length);
    expect(stored.subarray(0, 11).toString()).toBe('first bytes');
    expect(sha(stored)).toBe(sha(data));
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `t${prefixes}/` }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
  });

  it('accepts an upload through a presigned PUT URL', async () => {
    const store = s3Store('WHEN_SUPPORTED');
    const url = await store.presignPut(a('attempts/s1-1/video.mp4'));
    const body = randomBytes(2048);
    const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'video/mp4' } });
    expect(res.status).toBe(200);
    const out = path.join(tmp, 'v.mp4');
    await store.fetchTo(a('attempts/s1-1/video.mp4'), out);
    expect((await fs.readFile(out)).equals(body)).toBe(true);
  });
});
