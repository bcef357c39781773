/**
 * Bench (c) of the metrics issue: peak RSS of measuring a 60 s clip vs a 5 s clip with the full weight-free
 * metric set (streamed decode, metric worker threads). Each clip is measured in a fresh child process that
 * reports its own peak RSS (process.resourceUsage().maxRSS covers the worker threads; ffmpeg is a separate
 * process with its own, length-independent, buffers). Bounded memory means the ratio stays near 1. A 1080p
 * clip checks the frame-size side: its goal is an absolute 600 MiB with the full set.
 *
 *   npx tsx bench/memory.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shutdownMetricWorkers } from '../src/metrics/worker/pool.js';
import { makeClip, measureFile, weightFreeSet } from './measure.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const SIDE = 256;
const SELF = fileURLToPath(import.meta.url);

interface ChildReport {
  maxRssKb: number;
  seconds: number;
}

/** Runs this file as `--child <clip>` and reads the JSON line it prints. */
function measureInChild(clip: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SELF, '--child', clip], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`memory child for ${clip} exited ${code}: ${err.slice(-2000)}`));
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildReport);
      } catch (e) {
        reject(new Error(`memory child for ${clip} printed no report: ${out.slice(-500)}`, { cause: e }));
      }
    });
  });
}

export async function benchMemory(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tci-bench-memory-'));
  try {
    const short = path.join(dir, 'short.mp4');
    const long = path.join(dir, 'long.mp4');
    const hd = path.join(dir, '1080p.mp4');
    await Promise.all([
      makeClip(short, 5, SIDE, 1),
      makeClip(long, 60, SIDE, 2),
      makeClip(hd, 2, 1920, 3, 1080),
    ]);
    const a = await measureInChild(short);
    const b = await measureInChild(long);
    const c = await measureInChild(hd);
    const set = `${(await weightFreeSet()).length} metrics, ${SIDE}x${SIDE} 24 fps, worker threads`;
    return [
      {
        name: 'peak RSS, 5 s clip (120 frames)',
        value: a.maxRssKb / 1024,
        unit: 'MiB',
        note: `${set}; ${a.seconds.toFixed(1)} s`,
      },
      {
        name: 'peak RSS, 60 s clip (1440 frames)',
        value: b.maxRssKb / 1024,
        unit: 'MiB',
        reference: a.maxRssKb / 1024,
        ratio: b.maxRssKb / a.maxRssKb,
        note: `goal ratio <= 1.2; ${b.seconds.toFixed(1)} s; frames alone would be ${((1440 * SIDE * SIDE * 3) / 2 ** 20).toFixed(0)} MiB`,
      },
      { name: 'peak RSS growth, 60 s - 5 s', value: (b.maxRssKb - a.maxRssKb) / 1024, unit: 'MiB' },
      {
        name: 'peak RSS, 1080p clip (2 s, 48 frames)',
        value: c.maxRssKb / 1024,
        unit: 'MiB',
        reference: 600,
        ratio: c.maxRssKb / 1024 / 600,
        note: `goal <= 600 MiB (ratio <= 1); 1920x1080 24 fps, same set; ${c.seconds.toFixed(1)} s`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const t0 = performance.now();
  await measureFile(process.argv[3]!, await weightFreeSet());
  await shutdownMetricWorkers();
  const report: ChildReport = {
    maxRssKb: process.resourceUsage().maxRSS,
    seconds: (performance.now() - t0) / 1000,
  };
  console.log(JSON.stringify(report));
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('memory: peak RSS, 60 s vs 5 s clip', await benchMemory());
}
