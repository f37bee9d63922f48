// LeaderLock and ChangeListener when connections misbehave: one polling loop however often the
// connection drops, no lock left behind by a stop() during an attempt, a silently dead session
// noticed by the leader, attempts that back off (saying why) while the database cannot be reached, and a
// LISTEN that starts while the database is unreachable.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChangeListener } from '../../src/db/change-listener.js';
import { DatabaseUnreachableError } from '../../src/db/errors.js';
import { LEADER_LOCK_KEY } from '../../src/db/lock-keys.js';
import { LeaderLock } from '../../src/service/leader.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, startTcpProxy, targetOf } from '../helpers/tcp-proxy.js';
import { recordEvents } from '../helpers/events.js';
import { waitFor } from '../helpers/wait.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const leaderBackends = async () =>
  (await t.sql<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rongsync-leader'`)).map((r) => r.pid);
const lockHolders = async () =>
  (
    await t.sql<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LEADER_LOCK_KEY],
    )
  ).map((r) => r.pid);

it('a standby whose connection keeps dropping runs one loop with one connection', async () => {
  const holder = new pg.Client({ connectionString: t.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [LEADER_LOCK_KEY]); // someone else leads
  let acquired = 0;
  const standby = new LeaderLock({ databaseUrl: t.url, pollMs: 100, onAcquired: () => acquired++ });
  try {
    await standby.start();
    expect(standby.isLeader).toBe(false);
    for (let i = 0; i < 4; i++) {
      await waitFor(async () => (await leaderBackends()).length === 1, 'the standby to reconnect');
      await t.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rongsync-leader'`);
    }
    await waitFor(async () => (await leaderBackends()).length === 1, 'the standby to reconnect');
    await new Promise((r) => setTimeout(r, 500)); // several poll intervals: duplicated loops would open more connections
    expect((await leaderBackends()).length).toBe(1);
    await holder.end(); // the leader goes away: the standby takes over exactly once
    await waitFor(() => standby.isLeader, 'the standby to take over');
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(1);
    expect((await lockHolders()).length).toBe(1);
  } finally {
    await standby.stop();
    await holder.end().catch(() => {});
  }
  await waitFor(async () => (await lockHolders()).length === 0, 'the lock to be free after stop');
});

it('stop() during an attempt leaves no lock and no connection behind', async () => {
  for (let i = 0; i < 5; i++) {
    const lock = new LeaderLock({ databaseUrl: t.url, pollMs: 100 });
    const started = lock.start(); // connecting…
    await lock.stop(); // …when the stop comes
    await started;
    expect(lock.isLeader).toBe(false);
  }
  await waitFor(async () => (await lockHolders()).length === 0 && (await leaderBackends()).length === 0, 'no lock and no leader connection left');
});

it('the leader notices a session that went silent and steps down', async () => {
  const proxy = await startTcpProxy(targetOf(t.url));
  const lost: Error[] = [];
  const leader = new LeaderLock({ databaseUrl: proxy.url(t.url), pollMs: 100, queryTimeoutMs: 400, onLost: (e) => lost.push(e) });
  try {
    await leader.start();
    expect(leader.isLeader).toBe(true);
    proxy.freeze(); // neither end sees a close
    await waitFor(() => lost.length > 0, 'the leader to notice', 5_000);
    expect(leader.isLeader).toBe(false);
  } finally {
    await leader.stop();
    await proxy.close();
  }
  await t.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rongsync-leader'`);
});

it('a LISTEN that could not connect at start keeps retrying and then delivers changes', async () => {
  const port = await freePort(); // nothing listens here yet
  const url = new URL(t.url);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const listener = new ChangeListener(url.toString());
  const errors = recordEvents(listener, 'error');
  const changes = recordEvents(listener, 'change');
  await listener.start(); // resolves although the first attempt failed
  expect(errors.seen.length).toBeGreaterThan(0);
  const proxy = await startTcpProxy(targetOf(t.url), port);
  try {
    await changes.until(([id]) => id === '*', 'the listener to connect and announce a catch-up', 10_000);
    await t.sql(`INSERT INTO groups (id, name) VALUES ('heard', 'H')`);
    await changes.until(([id]) => id === 'heard', 'the notification');
  } finally {
    await listener.stop();
    await proxy.close();
  }
});

it('while the database cannot be reached, attempts back off and each failure says why', async () => {
  const port = await freePort(); // nothing listens here
  const url = new URL(t.url);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const failures: Array<{ error: Error; retryInMs: number }> = [];
  const lock = new LeaderLock({ databaseUrl: url.toString(), pollMs: 50, maxBackoffMs: 200, onAttemptFailed: (error, retryInMs) => failures.push({ error, retryInMs }) });
  try {
    await lock.start();
    expect(lock.isLeader).toBe(false);
    expect(lock.lastError).toBeInstanceOf(DatabaseUnreachableError);
    await waitFor(() => failures.length >= 4, 'four failed attempts', 10_000);
  } finally {
    await lock.stop();
  }
  expect(failures.slice(0, 4).map((f) => f.retryInMs)).toEqual([50, 100, 200, 200]);
  expect(failures[0]!.error.message).toBe(
    `cannot reach the database server at 127.0.0.1:${port} (connection refused). Is Postgres running there? Check the host and port in DATABASE_URL.`,
  );
});
