import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * A model behind HTTP with a bearer token from the environment, run through the built CLI: the token must
 * reach the server and appear nowhere the run leaves behind (run.json, index, logs, reports, stdout, stderr).
 */
const TOKEN = 'tci-secret-4b1d9e7c0a';
let dir: string;
let server: Server;
let endpoint: string;
const seenAuth: string[] = [];

beforeAll(async () => {
  dir = await tempDir('tci-http-secret-');
  const clip = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=8', '-frames:v', '6'],
    ...['-pix_fmt', 'yuv420p', clip],
  ]);
  const video = readFileSync(clip);
  server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(video);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/generate`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

describe('http model with a token header, through the CLI', () => {
  it('sends the token and writes it into no artifact, log or output', async () => {
    const suite = path.join(dir, 'suite.yaml');
    await fs.writeFile(
      suite,
      tinySuite({
        models: `  - name: hosted
    adapter: http
    params:
      endpoint: "${endpoint}"
      headers: {Authorization: "Bearer \${TCI_TEST_TOKEN}"}`,
      }),
    );
    const artifacts = path.join(dir, 'artifacts');
    const junit = path.join(dir, 'junit.xml');
    const r = await runCli(
      ['run', suite, '--baseline-mode', 'none', '--artifacts-dir', artifacts, '--junit', junit],
      {
        env: { TCI_TEST_TOKEN: TOKEN },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(seenAuth.length).toBe(4);
    expect(seenAuth.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
    const files = [...(await filesUnder(artifacts)), junit];
    expect(files.some((f) => f.endsWith('run.json'))).toBe(true);
    for (const f of files) {
      expect(readFileSync(f).includes(TOKEN), `${f} contains the token`).toBe(false);
    }
    expect(r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN)).toBe(false);
  });
});
