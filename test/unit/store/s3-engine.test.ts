import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../../src/runs/engine.js';
import { MemoryRunStore } from '../../../src/store/memory.js';
import { S3ArtifactStore } from '../../../src/store/s3/store.js';
import { loadSuite } from '../../../src/suite/load.js';
import { DUMMY_CREDENTIALS, useLocalS3 } from '../../support/s3.js';

/**
 * The engine with its artifacts on S3 (fauxqs) and its records in memory, as a fleet splits them: the mock
 * adapter renders real videos with ffmpeg, the executor puts them into the bucket, and a second run pairs
 * with the first as its baseline. Nothing here knows the artifacts are not in a folder.
 */
const s3 = useLocalS3('tci-s3-engine');
let dir: string;
let artifacts: S3ArtifactStore;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-s3-engine-'));
  artifacts = new S3ArtifactStore(s3.config(), { credentials: DUMMY_CREDENTIALS });
});
afterAll(async () => {
  artifacts.destroy();
  await fs.rm(dir, { recursive: true, force: true });
});

const SUITE = `version: 1
project: demo
suite_name: s3
models:
  - name: mock_model
    adapter: mock
    params: { quality_shift: 0, noise_scale: 0.02 }
tests:
  - id: t
    prompts: ["a red ball rolling", "a calm lake at dawn"]
    seeds: [0, 1]
    video: { num_frames: 8, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker"] }
gates:
  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 0.5
`;

describe('runSuite with an S3ArtifactStore', () => {
  it('keeps every video in the bucket under its run, and pairs the next run with it', async () => {
    const file = path.join(dir, 's3.yaml');
    await fs.writeFile(file, SUITE);
    const suite = await loadSuite(file);
    const store = new MemoryRunStore();
    const first = await runSuite(suite, { store, artifacts, baselineMode: 'none' });
    expect(first.exitCode).toBe(0);
    const run = first.runs[0]!;
    const videos = run.record.samples.map((s) => s.video_path!).sort();
    expect(videos).toHaveLength(4);
    const listed = await s3.client.send(
      new ListObjectsV2Command({
        Bucket: s3.bucket,
        Prefix: `runs/demo/s3/mock_model/${run.record.run_id}/`,
      }),
    );
    const names = (listed.Contents ?? []).map((o) => o.Key!.split(`${run.record.run_id}/`)[1]);
    expect(names.filter((n) => n?.startsWith('videos/')).sort()).toEqual(videos);
    // The scratch work folders are not kept (keep_workdir is off), only their logs if any.
    expect(names.filter((n) => n?.startsWith('work/') && !n.endsWith('.log'))).toEqual([]);
    for (const o of listed.Contents ?? []) if (o.Key?.endsWith('.mp4')) expect(o.Size).toBeGreaterThan(100);
    expect(await artifacts.runBytes(run.run)).toBe(
      (listed.Contents ?? []).reduce((t, o) => t + (o.Size ?? 0), 0),
    );

    const second = await runSuite(suite, { store, artifacts, baselineMode: 'latest_pass' });
    expect(second.exitCode).toBe(0);
    expect(second.runs[0]!.record.baseline.run_id).toBe(run.record.run_id);
  }, 180_000);
});
