// Postgres restarted under a busy `serve` (a child process) on a private cluster: a fast restart,
// then an immediate one (crash recovery), while the app keeps writing. serve must stay up, regain
// leadership, re-LISTEN, record the runs the restarts cut short, and get every committed change to
// the emulator — none lost. The same cluster checks the login error (wrong password), which the
// shared trust-auth server cannot produce.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { closePool } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCliCaptured } from '../helpers/cli.js';
import { createPrivatePostgres, PRIVATE_PASSWORD, type PrivatePostgres } from '../helpers/private-postgres.js';
import { APP_KEY, APP_SECRET } from '../helpers/reconcile.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let pgc: PrivatePostgres;
let emulator: Emulator;
let env: Record<string, string>;
beforeAll(async () => {
  pgc = await createPrivatePostgres();
  await pgc.start();
  await pgc.sql('postgres', 'CREATE DATABASE app');
  await applyMigrations({ databaseUrl: pgc.url('app') });
  emulator = await startEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, rateLimitPerSecond: 0 });
  env = {
    DATABASE_URL: pgc.url('app'),
    RONGCLOUD_APP_KEY: APP_KEY,
    RONGCLOUD_APP_SECRET: APP_SECRET,
    RONGCLOUD_API_URL: emulator.url,
    RONGCLOUD_RATE_LIMIT: '1000',
    RONGSYNC_DEBOUNCE_MS: '50',
  };
}, 120_000);
afterAll(async () => {
  await emulator?.close();
  await pgc?.destroy();
});

/**
 * The app: one new group with two members per transaction, every ~100 ms. A
 * write that fails because the server is away is retried until it commits (a commit whose answer
 * was lost shows up as a duplicate key on retry: it did commit).
 */
function startWriter(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {}); // idle connections die with the server; the pool opens new ones
  const committed: Array<{ id: string; at: number }> = [];
  let stop = false;
  let failures = 0;
  const done = (async () => {
    for (let i = 1; !stop; i++) {
      const id = `w${i}`;
      for (;;) {
        try {
          // Two members, each user in few groups: RongCloud's 500-groups-per-user limit stays far away
          // however many groups a slow machine gets to write.
          await pool.query(`INSERT INTO groups (id, name) VALUES ($1, $1); INSERT INTO group_members VALUES ($1, 'a${i % 97}'), ($1, 'b${i % 101}')`.replace(/\$1/g, `'${id}'`));
          break;
        } catch (e) {
          if ((e as { code?: string }).code === '23505') break;
          failures++;
          await new Promise((r) => setTimeout(r, 100));
          if (stop) return;
        }
      }
      committed.push({ id, at: Date.now() });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    committed,
    failures: () => failures,
    async stop() {
      stop = true;
      await done;
      await closePool(pool);
    },
  };
}

it('a wrong password is one line naming the server and the role, without the password', async () => {
  const url = new URL(pgc.url('app'));
  url.password = 'not-the-password';
  const r = await runCliCaptured(['plan'], { ...env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    `rongsync: the database server at 127.0.0.1:${pgc.port} refused the login of role "postgres" (password authentication failed). Check the user and password in DATABASE_URL.\n`,
  );
  expect(r.err).not.toContain(PRIVATE_PASSWORD);
  expect(r.err).not.toContain('not-the-password');
});

it('serve keeps going through a fast and an immediate restart; no change is lost', async () => {
  const serve: CliProcess = startCli(['serve'], env);
  const writer = startWriter(pgc.url('app'));
  const figures: Record<string, number> = {};
  const inEmulator = (id: string) => (emulator.state().groups[id]?.members.length ?? 0) === 2;
  /** waitFor, failing with serve's log (what it was doing is the useful part of a failure). */
  const waitForServe = <T>(probe: () => T | Promise<T>, what: string, ms: number) =>
    waitFor(probe, what, ms).catch((e: Error) => {
      throw new Error(`${e.message}; serve's log:\n${serve.log.map((l) => l.slice(0, 400)).join('\n')}`);
    });
  try {
    // Generous deadlines for a child process's first steps: on a loaded machine they take seconds.
    await waitForServe(() => serve.logged('"became leader"').length > 0, 'serve to lead', 60_000);
    await waitForServe(() => writer.committed.length >= 10 && writer.committed.slice(0, 10).every((c) => inEmulator(c.id)), 'the first changes to reach the emulator', 60_000);

    // Slow calls keep a run in flight most of the time; the restart comes while one runs.
    emulator.setFaults({ latencyMs: 20 });
    const probe = new pg.Pool({ connectionString: pgc.url('app'), max: 1 });
    probe.on('error', () => {});
    const runInFlight = async () => (await probe.query(`SELECT 1 FROM rongsync_runs WHERE status = 'running'`).catch(() => ({ rowCount: 0 }))).rowCount! > 0;
    for (const mode of ['fast', 'immediate'] as const) {
      const leads = serve.logged('"became leader"').length;
      await waitFor(runInFlight, 'a run in flight', 30_000, 10);
      await pgc.restart(mode);
      const up = Date.now();
      // The first change committed after the server is back, and one more: both reach RongCloud.
      const after = await waitFor(() => writer.committed.find((c) => c.at > up), `a write after the ${mode} restart`, 30_000);
      await waitForServe(() => inEmulator(after.id), `a change made after the ${mode} restart to reach the emulator`, 90_000);
      figures[`${mode} restart: server up → next change in RongCloud (ms)`] = Date.now() - up;
      await waitForServe(() => serve.logged('"became leader"').length > leads, `serve to lead again after the ${mode} restart`, 30_000);
      expect(serve.child.exitCode).toBe(null);
    }

    await closePool(probe);
    emulator.setFaults({});
    await writer.stop();
    const ids = writer.committed.map((c) => c.id);
    await waitForServe(() => ids.every(inEmulator), 'every committed change to reach the emulator', 120_000);
    const lost = ids.filter((id) => !inEmulator(id));
    expect(lost).toEqual([]);
    expect(Object.keys(emulator.state().groups).filter((id) => emulator.state().groups[id]!.members.length > 0).sort()).toEqual([...ids].sort());

    // Runs the restarts cut short are recorded (failed, with the reason), none left "running".
    const c = new pg.Client({ connectionString: pgc.url('app') });
    await c.connect();
    try {
      await waitFor(async () => (await c.query(`SELECT 1 FROM rongsync_runs WHERE status = 'running'`)).rowCount === 0, 'no run left running', 40_000);
      const { rows } = await c.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM rongsync_runs GROUP BY status ORDER BY status`);
      // A restart cuts the run in flight (the writes keep one going); it says why: failed on the
      // lost connection or lock, or aborted because the replica lost leadership first.
      const { rows: cut } = await c.query<{ status: string; error: string }>(`SELECT status, error FROM rongsync_runs WHERE status IN ('failed', 'aborted')`);
      expect(cut.length).toBeGreaterThan(0);
      for (const f of cut) {
        expect(`${f.status} | ${f.error}`).toMatch(/^(failed \| (lost the database connection to|cannot reach the database server at|lost the run lock)|aborted \| aborted: lost leadership \(leader connection lost: )/);
      }
      // The call log kept its records through the restarts (attempts made while the server was
      // away wait in memory): every group's create is there.
      await waitFor(async () => {
        const { rows: logged } = await c.query<{ n: number }>(`SELECT count(DISTINCT group_id)::int AS n FROM rongsync_remote_calls WHERE endpoint = '/group/create.json' AND outcome = 'ok'`);
        return logged[0]!.n === ids.length;
      }, 'every create in the call log', 20_000);
      console.log(`restart figures: ${JSON.stringify(figures)}; runs ${JSON.stringify(rows)}; app writes retried while the server was down: ${writer.failures()}; committed ${ids.length}, lost ${lost.length}`);
    } finally {
      await c.end();
    }
    expect(serve.log.filter((l) => /Unhandled|uncaught/i.test(l))).toEqual([]);
    expect(serve.child.exitCode).toBe(null);
  } finally {
    await writer.stop().catch(() => {});
    serve.child.kill('SIGTERM');
    const code = await serve.exited();
    expect(code, `serve's exit code; its log ends:\n${serve.log.slice(-60).join('\n')}`).toBe(0);
  }
}, 360_000);
