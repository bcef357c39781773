import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { locateFfmpeg } from '../../src/video/ffmpeg.js';
import { CLI, type CliResult, runCli, tempDir } from '../support/cli.js';

/**
 * A full, read-only or unwritable artifacts folder is the machine's state, not a bug: exit 1 with a
 * message naming the folder and the cause, and (when the run got far enough to reserve it) a complete
 * ERROR record, never a half-written file. Real faults: a small tmpfs (needs root to mount; skipped with a
 * hint otherwise), an artifacts path under a regular file, and a folder this user may not write.
 */
let dir: string;

function suite(seeds: number, resolution: number, frames: number): string {
  return `version: 1
project: p
suite_name: s
models:
  - name: m
    adapter: mock
tests:
  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [${Array.from({ length: seeds }, (_, i) => i).join(', ')}]
    video: { num_frames: ${frames}, fps: 8, resolution: ${resolution} }
metrics:
  - name: vbench_temporal
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
`;
}

function mountTmpfs(at: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function umount(at: string): void {
  execFileSync('umount', [at], { stdio: 'ignore' });
}

/** Whether this test may mount a tmpfs (root in a container that allows it). */
async function canMount(): Promise<boolean> {
  const probe = path.join(dir, 'probe');
  await fs.mkdir(probe);
  if (!mountTmpfs(probe, '64k')) return false;
  umount(probe);
  return true;
}

let mountable = false;

beforeAll(async () => {
  dir = await tempDir('tci-storage-');
  await fs.chmod(dir, 0o755);
  await fs.writeFile(path.join(dir, 'small.yaml'), suite(2, 64, 6));
  // Six 256×256 clips of ~30 KB each: more than a 400 KB tmpfs holds next to the record's reserve.
  await fs.writeFile(path.join(dir, 'big.yaml'), suite(6, 256, 16));
  mountable = await canMount();
  if (!mountable)
    console.warn('storage-faults: tmpfs tests skipped (run as root where `mount -t tmpfs` works)');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function run(suiteFile: string, artifacts: string): Promise<CliResult> {
  return runCli(['run', path.join(dir, suiteFile), '--artifacts-dir', artifacts, '--no-progress']);
}

/** A storage fault as a user error: exit 1, the folder and errno named, no internal error, no stack. */
function expectStorageFault(r: CliResult, folder: string, errno: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const all = r.stdout + r.stderr;
  expect(all).toContain(folder);
  expect(all).toContain(`(${errno})`);
  expect(all).not.toContain('internal error');
  expect(all).not.toContain('this is a bug');
  expect(all).not.toMatch(/\n\s+at /);
}

async function filesBelow(root: string): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  for (const e of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.push({ rel: path.relative(root, abs), size: (await fs.stat(abs)).size });
  }
  return out;
}

describe('storage faults (built CLI, mock model)', () => {
  it('an artifacts folder under a regular file: ENOTDIR named, exit 1', async () => {
    await fs.writeFile(path.join(dir, 'a-file'), 'x');
    const artifacts = path.join(dir, 'a-file', 'artifacts');
    expectStorageFault(await run('small.yaml', artifacts), artifacts, 'ENOTDIR');
  });

  it('a folder this user may not write: EACCES named, exit 1', async () => {
    const ro = path.join(dir, 'no-write');
    await fs.mkdir(ro, { mode: 0o555 });
    await fs.chmod(ro, 0o555);
    const asRoot = process.getuid?.() === 0;
    // Without system ffmpeg the npm binaries may lack their execute bit (install scripts not run); locating them
    // as their owner sets it, which nobody could not do.
    if (asRoot) await locateFfmpeg();
    // root writes anywhere: run the CLI as nobody, who cannot.
    const r: CliResult = await new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [CLI, 'run', path.join(dir, 'small.yaml'), '--artifacts-dir', ro, '--no-progress'],
        {
          cwd: dir,
          env: { ...process.env, CI: 'true', NO_COLOR: '1', HOME: dir },
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expectStorageFault(r, ro, 'EACCES');
  });

  it('a tmpfs full from the start: ENOSPC named, exit 1, nothing half-written', async (ctx) => {
    if (!mountable) ctx.skip();
    const at = path.join(dir, 'full');
    await fs.mkdir(at);
    mountTmpfs(at, '64k');
    try {
      await fs.writeFile(path.join(at, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
      expectStorageFault(await run('small.yaml', at), at, 'ENOSPC');
      const files = await filesBelow(at);
      expect(files.map((f) => f.rel)).toEqual(['filler']);
    } finally {
      umount(at);
    }
  });

  it('a tmpfs that fills up mid-run: a complete ERROR record naming the folder, exit 1', async (ctx) => {
    if (!mountable) ctx.skip();
    const at = path.join(dir, 'fills');
    await fs.mkdir(at);
    mountTmpfs(at, '400k');
    try {
      const r = await run('big.yaml', at);
      expectStorageFault(r, at, 'ENOSPC');
      const files = await filesBelow(at);
      const record = files.find((f) => f.rel.endsWith('run.json'));
      expect(record, JSON.stringify(files)).toBeDefined();
      const rec = JSON.parse(await fs.readFile(path.join(at, record!.rel), 'utf8')) as RunRecord;
      expect(rec.status).toBe('ERROR');
      expect(rec.errors.join('\n')).toContain(`${at}: no space left on the device (ENOSPC)`);
      // No reserve, no partial copy, no empty file (thumbnail or video) is left behind.
      expect(files.filter((f) => /\.reserve$|\.partial$|\.tmp$/.test(f.rel))).toEqual([]);
      expect(files.filter((f) => f.size === 0)).toEqual([]);
      // Every video left in videos/ is one the record names.
      const named = new Set(rec.samples.map((s) => s.video_path));
      const runDir = path.dirname(record!.rel);
      const videos = files.filter((f) => f.rel.startsWith(path.join(runDir, 'videos') + path.sep));
      for (const v of videos) expect(named.has(path.relative(runDir, v.rel))).toBe(true);
    } finally {
      umount(at);
    }
  });

  it('a read-only tmpfs: EROFS named (not ENOENT), exit 1', async (ctx) => {
    if (!mountable) ctx.skip();
    const at = path.join(dir, 'ro');
    await fs.mkdir(at);
    mountTmpfs(at, '64k');
    try {
      execFileSync('mount', ['-o', 'remount,ro', at], { stdio: 'ignore' });
      expectStorageFault(await run('small.yaml', at), at, 'EROFS');
    } finally {
      umount(at);
    }
  });
});
