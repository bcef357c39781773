/**
 * A second (third, …) process on one artifacts folder, for the store's multi-process tests:
 *   commit <artifactsDir> <first> <count>   commits `count` runs of p/s/m, run ids first..first+count-1
 *   lock <artifactsDir> <runId>             holds the run lock, prints "locked", waits to be killed
 */
import { LocalStore } from '../../src/store/local.js';
import { MODEL, record, runId } from '../unit/store/fixtures.js';

const [cmd, artifactsDir, a, b] = process.argv.slice(2);
const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
const store = new LocalStore(artifactsDir!, { warn });
if (cmd === 'commit') {
  for (let n = Number(a); n < Number(a) + Number(b); n++)
    await store.commitRun(record(runId(n), 'PASS', [n]));
} else if (cmd === 'lock') {
  await store.lockRun({ ...MODEL, runId: a! });
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1000);
} else throw new Error(`unknown command ${cmd}`);
