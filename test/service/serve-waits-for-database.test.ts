// `serve` started before its database is ready logs the true reason — unreachable at host:port,
// database missing, not migrated, migrations pending — with the delay before the next try, and
// starts leading once the database is ready, with no supervisor. (Before, it logged "another
// replica leads; standing by" and waited forever.)
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { readMigrations } from '../../src/db/migrate/files.js';
import { adminUrl, urlFor } from '../helpers/database.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { freePort } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const REMOTE = { RONGCLOUD_APP_KEY: 'k', RONGCLOUD_APP_SECRET: 's', RONGCLOUD_API_URL: 'http://127.0.0.1:9' };
const name = `rs_test_${Date.now()}_waits`;
const children: CliProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
});

const messages = (p: CliProcess) => p.log.map((l) => (JSON.parse(l) as { msg: string }).msg);

it('an unreachable server: says so with host:port and the next retry, and stops on SIGTERM', async () => {
  const port = await freePort();
  const serve = startCli(['serve'], { ...REMOTE, DATABASE_URL: `postgres://rongsync:hunter2@127.0.0.1:${port}/app` });
  children.push(serve);
  await waitFor(() => serve.logged('Retrying in 2 s').length > 0, 'two attempts', 60_000);
  const [first, second] = messages(serve);
  expect(first).toBe(
    `database not ready: cannot reach the database server at 127.0.0.1:${port} (connection refused). Is Postgres running there? Check the host and port in DATABASE_URL. Retrying in 1 s.`,
  );
  expect(second).toMatch(/^database not ready: cannot reach .* Retrying in 2 s\.$/);
  expect(serve.log.join('\n')).not.toContain('hunter2');
  expect(serve.log.join('\n')).not.toContain('another replica leads');
  serve.child.kill('SIGTERM');
  expect(await serve.exited()).toBe(0);
}, 150_000);

it('missing → created → partly migrated → migrated: each state named, then it leads', async () => {
  const serve = startCli(['serve'], { ...REMOTE, DATABASE_URL: urlFor(name) });
  children.push(serve);
  const saw = (text: string) =>
    waitFor(() => serve.logged(text).length > 0, `serve to log "${text}"`, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; its log:\n${serve.log.join('\n')}`);
    });

  await saw(`database not ready: database \\"${name}\\" does not exist on 127.0.0.1:5432. Create it with \`createdb ${name}\`, then run \`rongsync migrate\`.`);
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();

  await saw(`database not ready: database \\"${name}\\" is not migrated (no migrations applied). Run \`rongsync migrate\`.`);
  const all = readMigrations();
  await applyMigrations({ databaseUrl: urlFor(name), migrations: all.slice(0, -1) });

  await saw(`is missing 1 migration(s): ${all.at(-1)!.name}. Run \`rongsync migrate\`.`);
  await applyMigrations({ databaseUrl: urlFor(name) });

  await saw('"became leader"');
  await saw('rongsync serve started');
  expect(serve.log.join('\n')).not.toContain('another replica leads');
  // Every wait was logged with the delay before the next try, growing.
  const delays = messages(serve).flatMap((m) => /Retrying in ([\d.]+) s\.$/.exec(m)?.[1] ?? []).map(Number);
  expect(delays.length).toBeGreaterThanOrEqual(3);
  expect(delays).toEqual([...delays].sort((a, b) => a - b));
  serve.child.kill('SIGTERM');
  expect(await serve.exited()).toBe(0);
}, 150_000);
