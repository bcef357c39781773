import { describe, expect, it } from 'vitest';
import { newToken } from '../../../src/fleet/auth/tokens.js';
import {
  DEFAULT_ALLOWED_ADAPTERS,
  describeConfig,
  runsSuiteCode,
  serveConfig,
  workerConfig,
} from '../../../src/fleet/config.js';

const PW = 'Hunter2-db-pw';
const REDIS_PW = 'R3dis-pw-secret';
const SERVE_ENV = {
  TEMPORALCI_DATABASE_URL: `postgres://ci:${PW}@db.internal:5432/temporalci`,
  TEMPORALCI_REDIS_URL: `redis://:${REDIS_PW}@redis.internal:6379/2`,
  TEMPORALCI_S3_BUCKET: 'tci-artifacts',
  TEMPORALCI_S3_ENDPOINT: 'http://127.0.0.1:9000',
};

function failure(fn: () => unknown): { code: string; message: string; hint: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string; hint: string };
  }
  throw new Error('expected a failure, it returned');
}

describe('serveConfig', () => {
  it('reads the environment, with the original defaults (lease 300 s, heartbeat 30 s)', () => {
    const c = serveConfig({}, SERVE_ENV);
    expect(c).toMatchObject({
      kind: 'serve',
      host: '0.0.0.0',
      port: 8080,
      taskLeaseSec: 300,
      heartbeatIntervalSec: 30,
      database: { shown: 'postgres://ci@db.internal:5432/temporalci', password: PW },
      redis: { shown: 'redis://redis.internal:6379/2' },
      s3: { bucket: 'tci-artifacts', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    });
  });

  it('lets flags win over the environment', () => {
    const c = serveConfig(
      {
        port: '9090',
        host: '127.0.0.1',
        databaseUrl: 'postgres://other@127.0.0.1/x',
        redisUrl: 'rediss://cache:6380',
        taskLeaseSec: '3',
        heartbeatIntervalSec: '1',
      },
      { ...SERVE_ENV, TEMPORALCI_PORT: '7000', TEMPORALCI_TASK_LEASE_SEC: '60' },
    );
    expect(c).toMatchObject({ host: '127.0.0.1', port: 9090, taskLeaseSec: 3, heartbeatIntervalSec: 1 });
    expect(c.database.shown).toBe('postgres://other@127.0.0.1/x');
    expect(c.redis.shown).toBe('rediss://cache:6380');
    // A short lease brings the default heartbeat down with it.
    expect(serveConfig({}, { ...SERVE_ENV, TEMPORALCI_TASK_LEASE_SEC: '10' }).heartbeatIntervalSec).toBe(5);
  });

  it('names the flag or variable of a bad setting and never echoes a password', () => {
    const cases: [Record<string, string | undefined>, object, RegExp][] = [
      [{ TEMPORALCI_DATABASE_URL: undefined }, {}, /^no --database-url given$/],
      [{ TEMPORALCI_DATABASE_URL: `mysql://ci:${PW}@h/x` }, {}, /^TEMPORALCI_DATABASE_URL: .*not postgres/],
      [{}, { databaseUrl: `postgres://ci:${PW}@h:port/x` }, /^--database-url: .*not a valid URL/],
      [{ TEMPORALCI_REDIS_URL: undefined }, {}, /^no --redis-url given$/],
      [
        { TEMPORALCI_REDIS_URL: `http://:${REDIS_PW}@h` },
        {},
        /^TEMPORALCI_REDIS_URL starts with "http:\/\/"/,
      ],
      [{ TEMPORALCI_REDIS_URL: `redis://:${REDIS_PW}@h:x` }, {}, /^TEMPORALCI_REDIS_URL is not a valid URL/],
      [{ TEMPORALCI_REDIS_URL: `redis://:${REDIS_PW}@h/db` }, {}, /the database "\/db" is not a number/],
      [
        { TEMPORALCI_S3_BUCKET: undefined, TEMPORALCI_S3_ENDPOINT: undefined },
        {},
        /TEMPORALCI_S3_BUCKET is not set/,
      ],
      [{ TEMPORALCI_S3_BUCKET: 'Bad_Bucket' }, {}, /not a valid bucket name/],
      [{ TEMPORALCI_TASK_LEASE_SEC: 'soon' }, {}, /^TEMPORALCI_TASK_LEASE_SEC="soon" is not a whole number/],
      [{}, { taskLeaseSec: '1' }, /^--task-lease-sec="1" is not a whole number from 2/],
      [{ TEMPORALCI_HEARTBEAT_INTERVAL_SEC: '0' }, {}, /^TEMPORALCI_HEARTBEAT_INTERVAL_SEC="0"/],
      [
        { TEMPORALCI_HEARTBEAT_INTERVAL_SEC: '200' },
        {},
        /^TEMPORALCI_HEARTBEAT_INTERVAL_SEC=200 is more than half the task lease \(300 s\)/,
      ],
      [{}, { port: '70000' }, /^--port="70000" is not a whole number from 0 to 65535/],
      [{ TEMPORALCI_PORT: '-1' }, {}, /^TEMPORALCI_PORT="-1"/],
      [{ TEMPORALCI_HOST: 'a b' }, {}, /^TEMPORALCI_HOST="a b" is not a host/],
    ];
    for (const [env, flags, message] of cases) {
      const e = failure(() => serveConfig(flags, { ...SERVE_ENV, ...env }));
      expect(e.code, String(message)).toBe('USAGE');
      expect(e.message).toMatch(message);
      expect(e.hint).toBeTruthy();
      for (const secret of [PW, REDIS_PW]) expect(`${e.message} ${e.hint}`).not.toContain(secret);
    }
  });
});

describe('workerConfig', () => {
  const token = newToken();
  const env = { TEMPORALCI_COORDINATOR_URL: 'https://fleet.example.com:8080/', TEMPORALCI_TOKEN: token };

  it('parses the coordinator, token, labels and allowed adapters', () => {
    const c = workerConfig(
      { labels: 'gpu=h100, region=eu-west', allowAdapters: 'mock,command,./my-adapter.js' },
      env,
    );
    expect(c).toEqual({
      kind: 'worker',
      coordinatorUrl: 'https://fleet.example.com:8080',
      token,
      labels: { gpu: 'h100', region: 'eu-west' },
      allowAdapters: ['mock', 'command', './my-adapter.js'],
      heartbeatIntervalSec: 30,
    });
  });

  it('allows by default only adapters that run no code of the suite', () => {
    const c = workerConfig({}, env);
    expect(c.allowAdapters).toEqual([...DEFAULT_ALLOWED_ADAPTERS]);
    expect(c.allowAdapters).toEqual(expect.arrayContaining(['mock', 'http', 'diffusers']));
    expect(c.allowAdapters).not.toContain('command');
    expect(c.labels).toEqual({});
    for (const name of ['command', './x.js', '/abs/adapter.mjs']) expect(runsSuiteCode(name)).toBe(true);
    for (const name of ['mock', 'http', 'diffusers']) expect(runsSuiteCode(name)).toBe(false);
  });

  it('names the flag or variable of a bad setting and never echoes the token', () => {
    const mistyped = `${token}x`;
    const cases: [Record<string, string | undefined>, object, RegExp][] = [
      [{ TEMPORALCI_COORDINATOR_URL: undefined }, {}, /^no --coordinator-url given$/],
      [{}, { coordinatorUrl: 'ftp://h' }, /^--coordinator-url starts with "ftp:\/\/"/],
      [{}, { coordinatorUrl: `https://w:${token}@h` }, /^--coordinator-url for h has credentials/],
      [{}, { coordinatorUrl: `https://h/?token=${token}` }, /has a query or fragment/],
      [{ TEMPORALCI_TOKEN: undefined }, {}, /^no --token given$/],
      [{ TEMPORALCI_TOKEN: mistyped }, {}, /^TEMPORALCI_TOKEN is not a TemporalCI token/],
      [{}, { token: 'secret-ish' }, /^--token is not a TemporalCI token/],
      [{}, { labels: 'gpu' }, /^--labels: "gpu" is not a label key=value/],
      [{ TEMPORALCI_WORKER_LABELS: 'gpu=h100,gpu=a100' }, {}, /label "gpu" is given twice/],
      [{}, { labels: 'gpu=h 100' }, /not a label/],
      [{}, { allowAdapters: 'mock,shell' }, /^--allow-adapters: "shell" is not an adapter/],
      [{ TEMPORALCI_ALLOW_ADAPTERS: 'mock,,http' }, {}, /^TEMPORALCI_ALLOW_ADAPTERS: "" is not an adapter/],
      [{}, { heartbeatIntervalSec: 'x' }, /^--heartbeat-interval-sec="x"/],
    ];
    for (const [e2, flags, message] of cases) {
      const e = failure(() => workerConfig(flags, { ...env, ...e2 }));
      expect(e.code, String(message)).toBe('USAGE');
      expect(e.message).toMatch(message);
      expect(e.hint).toBeTruthy();
      expect(`${e.message} ${e.hint}`).not.toContain(token);
      expect(`${e.message} ${e.hint}`).not.toContain('secret-ish');
    }
  });
});

describe('describeConfig', () => {
  it('renders both configs for logs without passwords or the token', () => {
    const serve = describeConfig(serveConfig({}, SERVE_ENV)).join('\n');
    expect(serve).toBe(
      [
        'listen: 0.0.0.0:8080',
        'database: postgres://ci@db.internal:5432/temporalci',
        'redis: redis://redis.internal:6379/2',
        's3: bucket tci-artifacts at http://127.0.0.1:9000 (region us-east-1, path-style)',
        'task lease: 300 s, heartbeat interval: 30 s',
      ].join('\n'),
    );
    const token = newToken();
    const worker = describeConfig(
      workerConfig({ coordinatorUrl: 'http://127.0.0.1:8080', token, labels: 'gpu=h100' }, {}),
    ).join('\n');
    expect(worker).toContain('token: (set, not shown)');
    expect(worker).toContain('labels: gpu=h100');
    for (const secret of [PW, REDIS_PW, token]) expect(serve + worker).not.toContain(secret);
  });
});
