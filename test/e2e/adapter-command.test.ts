import { spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandParams, commandAdapter, commandParamsSchema } from '../../src/adapters/command.js';
import type { GenerationRequest } from '../../src/adapters/types.js';
import { TemporalCIError } from '../../src/errors.js';
import { logRegex } from '../../src/metrics/log-regex.js';
import type { MetricValues } from '../../src/schema/values.js';
import { probeVideo } from '../../src/video/probe.js';
import { generationRequest } from '../support/requests.js';

let root: string;
let runDir: string;
let n = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-command-'));
  runDir = path.join(root, 'run');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function request(signal: AbortSignal = new AbortController().signal): GenerationRequest {
  return generationRequest(runDir, `s${++n}`, {
    model: 'm',
    prompt: 'a cat\'s "quoted" prompt; echo pwned',
    seed: 7,
    video: { num_frames: 6, fps: 8, width: 64, height: 48 },
    signal,
  });
}

function adapter(params: Record<string, unknown>) {
  const parsed: CommandParams = commandParamsSchema.parse(params);
  return commandAdapter.create(parsed, { modelName: 'm', suiteDir: root });
}

async function failure(p: Promise<unknown>): Promise<TemporalCIError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TemporalCIError);
  return e as TemporalCIError;
}

/** Pids of live (non-zombie) processes in a process group, read from /proc independently of the adapter. */
function liveMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(Number(entry));
  }
  return out;
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('command adapter', () => {
  it('runs ffmpeg from an argv template and returns a real video with its log', async () => {
    const a = adapter({
      argv: [
        'ffmpeg',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size={width}x{height}:rate={fps}',
        '-frames:v',
        '{num_frames}',
        '-pix_fmt',
        'yuv420p',
        '{output}',
      ],
    });
    const req = request();
    const result = await a.generate(req);
    expect(result.videoPath).toBe(req.outputPath);
    const info = await probeVideo(result.videoPath);
    expect([info.width, info.height, info.frameCount]).toEqual([64, 48, 6]);
    expect(result.metadata).toMatchObject({
      adapter: 'command',
      exit_code: 0,
      log_path: path.join('work', req.sampleId, 'adapter.log'),
      log_file: path.join(req.workDir, 'adapter.log'),
    });
    expect(typeof result.metadata?.duration_s).toBe('number');
    const log = await fs.readFile(path.join(req.workDir, 'adapter.log'), 'utf8');
    expect(log).toMatch(/ffmpeg version|Output #0/);
  });

  it('passes each argv element as one argument, and shell-quotes placeholders with shell: true', async () => {
    const argvAdapter = adapter({
      argv: [
        'node',
        '-e',
        'require("fs").writeFileSync(process.argv[2], process.argv[1])',
        '{prompt}',
        '{output}',
      ],
    });
    const r1 = await argvAdapter.generate(request());
    expect(await fs.readFile(r1.videoPath, 'utf8')).toBe('a cat\'s "quoted" prompt; echo pwned');

    const shellAdapter = adapter({ shell: true, argv: ['printf %s {prompt} > {output}; echo seed={seed}'] });
    const req = request();
    const r2 = await shellAdapter.generate(req);
    expect(await fs.readFile(r2.videoPath, 'utf8')).toBe('a cat\'s "quoted" prompt; echo pwned');
    const log = await fs.readFile(path.join(req.workDir, 'adapter.log'), 'utf8');
    expect(log).toContain('seed=7');
    expect(log).not.toMatch(/^pwned$/m);
  });

  it('interpolates env from the environment and keeps the value out of the log and metadata', async () => {
    process.env.TCI_CMD_SECRET = 'sekret-value-123';
    try {
      const a = adapter({
        argv: ['sh', '-c', 'printf %s "$TOKEN" > "$1"', 'sh', '{output}'],
        env: { TOKEN: '${TCI_CMD_SECRET}' },
      });
      const req = request();
      const result = await a.generate(req);
      expect(await fs.readFile(result.videoPath, 'utf8')).toBe('sekret-value-123');
      expect(JSON.stringify(result)).not.toContain('sekret');
      const log = await fs.readFile(path.join(req.workDir, 'adapter.log'), 'utf8');
      expect(log).not.toContain('sekret');
      expect(log).toContain('TOKEN=<from env>');
    } finally {
      delete process.env.TCI_CMD_SECRET;
    }
    const missing = adapter({ argv: ['true'], env: { TOKEN: '${TCI_CMD_NOT_SET_ANYWHERE}' } });
    const e = await failure(missing.generate(request()));
    expect(e.message).toContain('TCI_CMD_NOT_SET_ANYWHERE');
  });

  it('on timeout kills the whole process group and reports exit code 124 with the log tail', async () => {
    const req = request(AbortSignal.timeout(1500));
    const pidFile = path.join(root, `${req.sampleId}.pids`);
    const a = adapter({
      // The background sleep ignores SIGTERM, so only the SIGKILL after the grace period removes it.
      argv: ['sh', '-c', `echo started; (trap '' TERM; sleep 100) & echo "$$ $!" > ${pidFile}; sleep 100`],
      kill_grace_s: 0.5,
    });
    const e = await failure(a.generate(req));
    expect(e.code).toBe('ADAPTER_FAILED');
    expect(e.message).toMatch(/timed out/);
    expect(e.processExitCode).toBe(124);
    expect(e.logTail).toContain('started');
    const [leader, background] = (await fs.readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    expect(leader).toBeGreaterThan(0);
    expect(background).toBeGreaterThan(0);
    expect(pidAlive(leader as number)).toBe(false);
    expect(pidAlive(background as number)).toBe(false);
    expect(liveMembers(leader as number)).toEqual([]);
  });

  it('terminates processes the command leaves running after it exits', async () => {
    const req = request();
    const pidFile = path.join(root, `${req.sampleId}.pids`);
    const a = adapter({
      argv: ['sh', '-c', `sleep 100 & echo "$$ $!" > ${pidFile}; printf x > "$1"`, 'sh', '{output}'],
      kill_grace_s: 0.5,
    });
    await a.generate(req);
    const [leader, background] = (await fs.readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    expect(background).toBeGreaterThan(0);
    expect(pidAlive(background as number)).toBe(false);
    expect(liveMembers(leader as number)).toEqual([]);
    expect(await fs.readFile(path.join(req.workDir, 'adapter.log'), 'utf8')).toContain(
      'left processes running',
    );
  });

  it('reports a non-zero exit with its code and the last lines of the log', async () => {
    const a = adapter({
      argv: [
        'sh',
        '-c',
        'for i in $(seq 1 40); do echo line $i; done; echo "CUDA out of memory" >&2; exit 3',
      ],
    });
    const e = await failure(a.generate(request()));
    expect(e.code).toBe('ADAPTER_FAILED');
    expect(e.processExitCode).toBe(3);
    expect(e.message).toContain('exited with 3');
    const lines = (e.logTail ?? '').split('\n');
    expect(lines.length).toBe(20);
    expect(lines.at(-1)).toBe('CUDA out of memory');
    expect(e.logTail).not.toContain('line 5\n');
  });

  it('fails when the command writes no output or an empty one, and when it cannot start', async () => {
    const none = await failure(adapter({ argv: ['sh', '-c', 'echo nothing written'] }).generate(request()));
    expect(none.message).toContain('did not write');
    expect(none.logTail).toContain('nothing written');

    const empty = await failure(adapter({ argv: ['touch', '{output}'] }).generate(request()));
    expect(empty.message).toContain('empty');

    const missing = await failure(adapter({ argv: ['/nonexistent/tci-model'] }).generate(request()));
    expect(missing.message).toContain('cannot start');
    expect(missing.processExitCode).toBe(127);
  });

  it('returns garbage output for the engine probe to reject, with the log path in metadata', async () => {
    const a = adapter({
      argv: ['sh', '-c', 'echo writing garbage; head -c 4096 /dev/urandom > "$1"', 'sh', '{output}'],
    });
    const req = request();
    const result = await a.generate(req);
    await expect(probeVideo(result.videoPath)).rejects.toThrow();
    const logFile = result.metadata?.log_file;
    expect(typeof logFile).toBe('string');
    expect(await fs.readFile(logFile as string, 'utf8')).toContain('writing garbage');
  });

  it('rejects unknown placeholders and multi-element shell argv at params time', () => {
    expect(commandParamsSchema.safeParse({ argv: ['gen', '{promt}'] }).success).toBe(false);
    expect(commandParamsSchema.safeParse({ argv: ['a', 'b'], shell: true }).success).toBe(false);
    expect(commandParamsSchema.safeParse({ argv: ['gen'], extra: 1 }).success).toBe(false);
    expect(commandParamsSchema.parse({ argv: ['gen', '{{literal}}'] })).toMatchObject({
      shell: false,
      kill_grace_s: 5,
      output_ext: '.mp4',
      env: {},
    });
  });
});

describe('log_regex on the command adapter log', () => {
  it('extracts numbers (last/first/max/mean), and a pattern that does not match gives null', async () => {
    const script = [
      'echo "step 1: 2.5it/s"',
      'echo "step 2: 3.5it/s"',
      'echo "step 3: 1.0it/s"',
      'echo "peak vram: 11.25 GB"',
      'printf x > "$1"',
    ].join('; ');
    const result = await adapter({ argv: ['sh', '-c', script, 'sh', '{output}'] }).generate(request());
    const patterns = { it_s: '([\\d.]+)it/s', peak_vram_gb: 'peak vram: ([\\d.]+)', loss: 'loss=([\\d.]+)' };
    const values = async (take: string): Promise<MetricValues> => {
      const params = logRegex.params.parse({ patterns, take });
      const acc = logRegex.create(params, {
        sampleId: 's',
        testId: 't',
        prompt: 'p',
        seed: 0,
        video: {
          path: result.videoPath,
          width: 1,
          height: 1,
          fps: 1,
          frameCount: 1,
          codec: 'none',
          durationSec: 0,
          pixelFormat: 'none',
        },
        timings: {},
        metadata: result.metadata ?? {},
      });
      return acc.finish();
    };
    expect(await values('last')).toEqual({ it_s: 1, peak_vram_gb: 11.25, loss: null });
    expect((await values('first')).it_s).toBe(2.5);
    expect((await values('max')).it_s).toBe(3.5);
    expect((await values('mean')).it_s).toBeCloseTo(7 / 3, 12);
    expect(logRegex.paths(logRegex.params.parse({ patterns }))).toEqual(['it_s', 'peak_vram_gb', 'loss']);
  });

  it('rejects invalid regexes and patterns without exactly one capture group', () => {
    expect(logRegex.params.safeParse({ patterns: { a: '([\\d.]+' } }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { a: 'no group' } }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { a: '(\\d+) (\\d+)' } }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: {} }).success).toBe(false);
    expect(logRegex.params.safeParse({ patterns: { a: '(?:x)(\\d+)' } }).success).toBe(true);
  });
});

// Keeps the helpers honest: a live process is seen as live by the same /proc reading the tests rely on.
it('liveMembers sees a running process group', async () => {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  const pid = child.pid as number;
  await delay(100);
  expect(liveMembers(pid)).toContain(pid);
  process.kill(-pid, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
  expect(pidAlive(pid)).toBe(false);
});
