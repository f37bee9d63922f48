// closePool must not return while a connection is still open: the test helpers drop each database
// WITH (FORCE) right after closing, and a socket that is still open then gets FATAL 57P01 on a pool
// that nobody listens to any more — an unhandled error that fails the whole run (seen in CI).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closePool } from '../../src/db/client.js';
import { adminUrl, createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

let empty: EmptyDatabase;
beforeAll(async () => {
  empty = await createEmptyDatabase();
});
afterAll(() => empty.drop());

async function backendsOf(applicationName: string): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
    return r.rows[0]!.n;
  } finally {
    await c.end();
  }
}

it('returns only once every connection of the pool is gone from the server', async () => {
  const name = `rs_close_pool_${process.pid}`;
  const pool = new pg.Pool({ connectionString: empty.url, max: 4, application_name: name });
  const clients: pg.Client[] = [];
  pool.on('connect', (c) => clients.push(c as pg.Client));
  // Four connections at once, all idle in the pool afterwards.
  await Promise.all([1, 2, 3, 4].map(() => pool.query('SELECT pg_sleep(0.05)')));
  expect(pool.totalCount).toBe(4);

  await closePool(pool);
  // pg sets _ended when the socket has closed; pool.end() alone resolves before that.
  expect(clients.map((c) => (c as unknown as { _ended: boolean })._ended)).toEqual([true, true, true, true]);
  // The server may take a moment to reap a backend after the socket closes; the point is that the
  // client side is closed, so a forced drop now cannot reach a live socket of ours.
  const deadline = Date.now() + 2000;
  while ((await backendsOf(name)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await backendsOf(name)).toBe(0);
});

it('survives the server terminating the connections while they close', async () => {
  const name = `rs_close_pool_kill_${process.pid}`;
  const pool = new pg.Pool({ connectionString: empty.url, max: 3, application_name: name });
  await Promise.all([1, 2, 3].map(() => pool.query('SELECT 1')));
  const killer = new pg.Client({ connectionString: adminUrl() });
  await killer.connect();
  // Terminate the idle backends and close the pool at the same time, as a forced DROP DATABASE does.
  await Promise.all([
    killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [name]),
    closePool(pool),
  ]);
  await killer.end();
  expect(pool.totalCount).toBe(0);
});
