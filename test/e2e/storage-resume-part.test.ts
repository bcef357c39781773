import { execFileSync, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../support/cli.js';

/**
 * A session killed (SIGKILL: no cleanup runs) in the middle of an http download leaves the sample's
 * scratch folder with a `.part` in it. The resumed session removes it before that sample runs again, so a
 * successful resume leaves no `.part` anywhere: not in the temp folder, not in the artifacts.
 */
let dir: string;
let tmp: string;
let server: Server;
let video: Buffer;
let stall = true;
const stalled: ServerResponse[] = [];

beforeAll(async () => {
  dir = await tempDir('tci-resume-part-');
  tmp = path.join(dir, 'tmp');
  await fs.mkdir(tmp);
  const file = path.join(dir, 'source.mp4');
  execFileSync('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=8'],
    ...['-frames:v', '6', '-pix_fmt', 'yuv420p', file],
  ]);
  video = readFileSync(file);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) });
      if (!stall) {
        res.end(video);
        return;
      }
      // Half the body, then nothing: the download is in flight when the session is killed.
      res.write(video.subarray(0, Math.floor(video.length / 2)));
      stalled.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await fs.writeFile(
    path.join(dir, 'suite.yaml'),
    `version: 1
project: p
suite_name: s
models:
  - name: m
    adapter: http
    params: { endpoint: "${base}/gen" }
tests:
  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [0]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
`,
  );
});
afterAll(async () => {
  for (const r of stalled) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

async function partsUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.part'))
    .map((e) => path.join(e.parentPath, e.name));
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== null) return v;
    await delay(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('run --resume after a session killed mid-download (built CLI, http model)', () => {
  it('leaves no .part file behind', async () => {
    const artifacts = path.join(dir, 'artifacts');
    const env = { ...process.env, CI: 'true', NO_COLOR: '1', TMPDIR: tmp };
    const child = spawn(
      process.execPath,
      [CLI, 'run', path.join(dir, 'suite.yaml'), '--artifacts-dir', artifacts, '--no-progress'],
      { env, stdio: 'ignore' },
    );
    const exited = new Promise((r) => child.on('close', r));
    const parts = await waitFor('a .part download', async () => {
      const p = await partsUnder(tmp);
      return p.length > 0 ? p : null;
    });
    expect(parts.length).toBe(1);
    child.kill('SIGKILL');
    await exited;
    expect(await partsUnder(tmp)).toEqual(parts); // the kill left it, as a real crash does

    const modelDir = path.join(artifacts, 'p', 's', 'm');
    const [runId] = await fs.readdir(modelDir);
    stall = false;
    const r = await runCli(['run', '--resume', path.join(modelDir, runId!), '--no-progress'], {
      env: { TMPDIR: tmp },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await partsUnder(tmp)).toEqual([]);
    expect(await partsUnder(artifacts)).toEqual([]);
    expect(await fs.readdir(tmp)).toEqual([]);
  });
});
