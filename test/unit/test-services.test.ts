import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { requirePostgres, requireRedis } from '../support/services.js';

/** The services the global setup starts (test/support/services.ts) hand each test file its own database. */

const postgres = requirePostgres();
const redis = requireRedis();

describe.skipIf(!postgres.available)('the test Postgres', () => {
  it('gives this file a database of its own (tci_<random>), on 127.0.0.1', async () => {
    const url = new URL(postgres.url());
    expect(url.hostname).toBe('127.0.0.1');
    const client = new pg.Client({ connectionString: postgres.url() });
    await client.connect();
    try {
      const r = await client.query<{ db: string }>('select current_database() as db');
      expect(r.rows[0]?.db).toMatch(/^tci_[0-9a-f]{12}$/);
      expect(url.pathname).toBe(`/${r.rows[0]?.db}`);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(!redis.available)('the test Redis', () => {
  it('gives this file a numbered database of its own', async () => {
    const url = new URL(redis.url());
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.pathname.slice(1))).toBeGreaterThan(0); // database 0 holds the counter
    const client = new Redis(redis.url());
    try {
      expect(await client.dbsize()).toBe(0);
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
    }
  });
});
