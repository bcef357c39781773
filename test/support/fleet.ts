import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import { CLI, runCli } from './cli.js';
import { DUMMY_CREDENTIALS, type LocalS3 } from './s3.js';

/**
 * A fleet of built-CLI processes on 127.0.0.1 for end-to-end tests: `temporalci serve` on a free port over
 * the test setup's Postgres, Redis and S3, tokens made by `temporalci tokens create`, and `temporalci
 * worker` processes. Every process is tracked so that stop() ends each by its pid.
 */
export class TestFleet {
  readonly procs: ChildProcess[] = [];
  /** Everything the processes printed, in order (for failure messages and secret checks). */
  readonly logs: string[] = [];
  url = '';
  env: Record<string, string> = {};
  private port = 0;
  private coordinator: ChildProcess | undefined;

  /** Starts the coordinator and waits for /healthz. */
  async serve(services: { pgUrl: string; redisUrl: string; s3: LocalS3 }, leaseSec = 30): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      TEMPORALCI_DATABASE_URL: services.pgUrl,
      TEMPORALCI_REDIS_URL: services.redisUrl,
      TEMPORALCI_S3_BUCKET: services.s3.bucket,
      TEMPORALCI_S3_ENDPOINT: services.s3.endpoint,
      TEMPORALCI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      TEMPORALCI_TASK_LEASE_SEC: String(leaseSec),
    };
    this.port = port;
    this.coordinator = this.start(['serve', '--port', String(port)]);
    await this.healthy();
  }

  /** SIGKILLs the coordinator (no drain, no goodbye) and starts a new one on the same port. */
  async killAndRestartCoordinator(): Promise<void> {
    const old = this.coordinator;
    if (old === undefined) throw new Error('no coordinator to restart');
    old.kill('SIGKILL');
    await exited(old);
    this.coordinator = this.start(['serve', '--port', String(this.port)]);
    await this.healthy();
  }

  private async healthy(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${this.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await delay(100);
    }
    throw new Error(`the coordinator did not come up:\n${this.logs.join('')}`);
  }

  /** A new token of the role, the last line `temporalci tokens create` prints. */
  async token(role: 'submit' | 'worker' | 'admin', name: string): Promise<string> {
    const r = await runCli(['tokens', 'create', '--role', role, '--name', name], { env: this.env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').pop() as string;
  }

  /** Starts `temporalci worker` against this coordinator with the extra arguments. */
  worker(token: string, name: string, cacheDir: string, extra: string[] = []): ChildProcess {
    return this.start([
      'worker',
      '--coordinator-url',
      this.url,
      '--token',
      token,
      '--name',
      name,
      '--cache-dir',
      cacheDir,
      ...extra,
    ]);
  }

  start(args: string[]): ChildProcess {
    const p = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout?.on('data', (d: Buffer) => this.logs.push(d.toString()));
    p.stderr?.on('data', (d: Buffer) => this.logs.push(d.toString()));
    this.procs.push(p);
    return p;
  }

  /** SIGTERM to every process still running, then waits for each to exit. */
  async stop(): Promise<void> {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await Promise.all(this.procs.map((p) => exited(p)));
  }
}

/** Resolves with the exit code (or signal name) once the process has exited. */
export function exited(p: ChildProcess): Promise<number | string> {
  if (p.exitCode !== null) return Promise.resolve(p.exitCode);
  if (p.signalCode !== null) return Promise.resolve(p.signalCode);
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
