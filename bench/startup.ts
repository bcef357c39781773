/**
 * CLI start-up, as a user waits for it: whole processes of the built CLI (`npm run build` first) against
 * `node -e 0` measured in the same run. Each figure is the median of several runs after one warm-up, so a
 * cold disk cache or a busy neighbour on the runner moves it less than a single sample would.
 *
 *   npx tsx bench/startup.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SUITE = fileURLToPath(new URL('../examples/regression_core.yaml', import.meta.url));
const RUNS = 9;

/** Median wall time in seconds of `node ...args`, after one unmeasured warm-up run. */
function medianSeconds(args: readonly string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const elapsed = (performance.now() - start) / 1000;
    if (r.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
    if (i > 0) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchStartup(): Promise<BenchResult[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const node = medianSeconds(['-e', '0']);
  const row = (name: string, args: string[], goal: string): BenchResult => {
    const value = medianSeconds([CLI, ...args]);
    return { name, value, unit: 's', reference: node, ratio: value / node, note: `goal ${goal}` };
  };
  const version = row('temporalci --version', ['--version'], '<= 2.5x node -e 0');
  // The goal for validate is absolute (what a user waits for), the ratio shows how much is Node's own.
  const validate = row('temporalci validate examples/regression_core.yaml', ['validate', SUITE], '<= 0.25 s');
  return [
    { name: 'node -e 0', value: node, unit: 's', note: `median of ${RUNS} runs` },
    version,
    row('temporalci --help', ['--help'], '— (loads every command)'),
    validate,
  ];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('startup', await benchStartup());
}
