import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/store/local.js';
import { isInside, localArtifact, parseArtifactPath } from '../../../src/viewer/files.js';
import { runId } from '../store/fixtures.js';

const RUN = runId(1);

describe('parseArtifactPath', () => {
  it('reads project, suite, model, run and a media file name', () => {
    expect(parseArtifactPath(`p/s/m/${RUN}/videos/a%20b.mp4`)).toEqual({
      key: { run: { project: 'p', suite: 's', model: 'm', runId: RUN }, name: 'videos/a b.mp4' },
      contentType: 'video/mp4',
    });
  });

  it('refuses "..", encoded separators, absolute names, empty segments and bad escapes', () => {
    for (const bad of [
      `p/s/m/${RUN}/../../../../etc/passwd.mp4`,
      `p/s/m/${RUN}/%2e%2e/x.mp4`,
      `p/s/m/${RUN}/..%2f..%2fx.mp4`,
      `p/s/m/${RUN}/%2fetc%2fx.mp4`,
      `p/s/m/${RUN}/videos%5c..%5cx.mp4`,
      `p/s/m/${RUN}/videos//x.mp4`,
      `p/s/m/${RUN}/%E0%A4%A.mp4`,
      `p/s/m/${RUN}`,
    ]) {
      expect(parseArtifactPath(bad), bad).toBeNull();
    }
  });

  it('serves media files only: never run.json, logs or pages', () => {
    expect(parseArtifactPath(`p/s/m/${RUN}/run.json`)).toBeNull();
    expect(parseArtifactPath(`p/s/m/${RUN}/work/s1/adapter.log`)).toBeNull();
    expect(parseArtifactPath(`p/s/m/${RUN}/report.html`)).toBeNull();
  });
});

describe('isInside', () => {
  it('accepts the root and below, nothing beside or above it', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c/d.mp4')).toBe(true);
    expect(isInside('/a/b', '/a/bc/d.mp4')).toBe(false);
    expect(isInside('/a/b', '/a/d.mp4')).toBe(false);
  });
});

describe('localArtifact', () => {
  let dir: string;
  let root: string;
  let store: LocalStore;
  const videos = () => path.join(root, 'p', 's', 'm', RUN, 'videos');

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-viewer-files-'));
    root = path.join(dir, 'artifacts');
    await fs.mkdir(videos(), { recursive: true });
    await fs.writeFile(path.join(videos(), 'ok.mp4'), 'video');
    await fs.writeFile(path.join(dir, 'secret.mp4'), 'outside');
    await fs.symlink(path.join(dir, 'secret.mp4'), path.join(videos(), 'escape.mp4'));
    await fs.symlink(path.join(videos(), 'ok.mp4'), path.join(videos(), 'alias.mp4'));
    await fs.mkdir(path.join(videos(), 'folder.mp4'));
    store = new LocalStore(root, { warn: () => undefined });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const open = (name: string) =>
    localArtifact(store, root, parseArtifactPath(`p/s/m/${RUN}/videos/${name}`)!);

  it('finds a video of the run, with its size', async () => {
    expect(await open('ok.mp4')).toEqual({ path: path.join(videos(), 'ok.mp4'), size: 5 });
  });

  it('follows a symlink that stays inside the artifacts folder', async () => {
    expect((await open('alias.mp4'))?.size).toBe(5);
  });

  it('refuses a symlink out of the artifacts folder, a missing file and a folder', async () => {
    expect(await open('escape.mp4')).toBeNull();
    expect(await open('gone.mp4')).toBeNull();
    expect(await open('folder.mp4')).toBeNull();
  });

  it('refuses a run id or model name the store would not make', async () => {
    const bad = parseArtifactPath('p/s/m/not-a-run-id/videos/ok.mp4')!;
    expect(await localArtifact(store, root, bad)).toBeNull();
    const dots = parseArtifactPath(`p/s/.hidden/${RUN}/videos/ok.mp4`)!;
    expect(await localArtifact(store, root, dots)).toBeNull();
  });
});
