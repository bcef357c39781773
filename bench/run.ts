/**
 * `npm run bench`: every benchmark, one after another, each printed as a table of figures with the
 * reference measured in the same run and the ratio against it. Figures go into docs/benchmarks.md.
 * Pass names to run a subset: `npm run bench -- core sprt`.
 */
import { benchCore } from './core.js';
import { benchDecodePlanes } from './decode-planes.js';
import { benchSsim } from './ffmpeg-parity.js';
import { benchFleet } from './fleet.js';
import { benchFlow } from './flow.js';
import { benchKernels } from './kernels.js';
import { benchMeasure } from './measure.js';
import { benchMemory } from './memory.js';
import { printResults } from './print.js';
import { benchRegression } from './regression.js';
import { benchSafety } from './safety.js';
import { benchSprt } from './sprt.js';
import { benchStartup } from './startup.js';
import type { BenchResult } from './types.js';
import { benchViewer } from './viewer.js';

const BENCHES: Record<string, [string, () => Promise<BenchResult[]>]> = {
  core: ['regression_core: wall time and stage shares', benchCore],
  ssim: ['SSIM: our port vs the ffmpeg ssim filter', benchSsim],
  planes: ['decode: rgb24 + stored planes vs rgb24 only', benchDecodePlanes],
  fleet: ['fleet: 4 workers vs 1, coordinator overhead, simulator', benchFleet],
  flow: ['dynamic_degree flow vs the replaced bilateral flow', benchFlow],
  kernels: ['metric kernels: block search and SAD, 512x512 pair', benchKernels],
  measure: ['measure: full metric set vs ffmpeg decode-only', benchMeasure],
  memory: ['memory: peak RSS, 60 s vs 5 s clip', benchMemory],
  sprt: ['SPRT: samples to decision vs fixed-N', benchSprt],
  regression: ['regression check: false alarms under no change, power on a 3 % drop', benchRegression],
  safety: ['safety_t2v classifier: load and per-sample cost', benchSafety],
  startup: ['CLI start-up: whole processes vs node -e 0', benchStartup],
  viewer: ['viewer: start on 200 runs, a 500-sample run page', benchViewer],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  process.exit(1);
}
console.log(`temporalci bench — ${new Date().toISOString()}, node ${process.version}, ${process.platform}`);
for (const [name, [title, fn]] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  printResults(title, await fn());
}
