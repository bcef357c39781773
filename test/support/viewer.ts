import { type ChildProcess, spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { CLI } from './cli.js';

/** `temporalci view` from the built CLI, for the browser tests of the viewer. */

/** Starts the viewer on a free port (--port 0) and resolves with the URL it prints. */
export function startViewer(artifacts: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'view', '--artifacts-dir', artifacts, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /viewer on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`viewer exited ${code}: ${out}${err}`)));
  });
}

/** Stops a viewer started by startViewer and waits for it to exit. */
export async function stopViewer(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/**
 * Polls a browser-side expression until it is truthy. Not page.waitForFunction: with a string it evals in
 * the page, which the viewer's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
 */
export async function until(page: Page, expr: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(expr))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
