/**
 * Another process on one Postgres database, for the PostgresRunStore's multi-process tests:
 *   commit <databaseUrl> <first> <count>   commits `count` runs of p/s/m, run ids first..first+count-1
 *   lock <databaseUrl> <runId>             holds the run lock, prints "locked", waits to be killed
 */
import { Database, parseDatabaseUrl } from '../../src/store/postgres/connection.js';
import { PostgresRunStore } from '../../src/store/postgres/store.js';
import { MODEL, record, runId } from '../unit/store/fixtures.js';

const [cmd, url, a, b] = process.argv.slice(2);
const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
const db = new Database(parseDatabaseUrl(url!), warn);
const store = new PostgresRunStore(db, { warn });
if (cmd === 'commit') {
  for (let n = Number(a); n < Number(a) + Number(b); n++)
    await store.commitRun(record(runId(n), 'PASS', [n]));
  await db.close();
} else if (cmd === 'lock') {
  await store.lockRun({ ...MODEL, runId: a! });
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1000);
} else throw new Error(`unknown command ${cmd}`);
