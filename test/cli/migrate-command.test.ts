// `rongsync migrate` end to end: the real executable (as `npx rongsync` runs it) and in-process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { readMigrations } from '../../src/db/migrate/files.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/tcp-proxy.js';

const run = promisify(execFile);
let d: EmptyDatabase;
beforeAll(async () => {
  d = await createEmptyDatabase();
});
afterAll(() => d.drop());

describe('rongsync migrate', () => {
  it('bin/rongsync.js --help lists the commands', async () => {
    const { stdout } = await run(process.execPath, ['bin/rongsync.js', '--help']);
    expect(stdout).toMatch(/Usage: rongsync/);
    expect(stdout).toMatch(/\bmigrate\b/);
  });

  it('migrates an empty database, then reports it up to date', async () => {
    const env = { ...process.env, DATABASE_URL: d.url };
    const first = await run(process.execPath, ['bin/rongsync.js', 'migrate'], { env });
    expect(first.stdout).toMatch(/^applied \d{14}_init$/m);
    const second = await run(process.execPath, ['bin/rongsync.js', 'migrate'], { env });
    expect(second.stdout).toMatch(/^database is up to date \(\d+ migrations applied\)$/m);
  });

  it('exits 1 with the variable named when the config is bad', async () => {
    const r = await runCliCaptured(['migrate'], { DATABASE_URL: 'http://nope' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('DATABASE_URL: "http://nope" expected a postgres:// or postgresql:// URL');
    expect(r.out).toBe('');
  });

  it('rejects an unknown command with a usage error', async () => {
    const r = await runCliCaptured(['nonsense'], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown command 'nonsense'");
  });
});

// Exit codes as `prisma migrate status` (4.3.0 and later): 0 only when up to date; 1 when never
// migrated, a migration is pending or failed, the database knows migrations we don't, or the
// database cannot be reached.
describe('rongsync migrate status', () => {
  const names = readMigrations().map((m) => m.name);
  const status = (url: string) => runCliCaptured(['migrate', 'status'], { DATABASE_URL: url });

  it('never migrated: every migration pending, exit 1', async () => {
    const e = await createEmptyDatabase();
    try {
      const r = await status(e.url);
      expect(r.code).toBe(1);
      expect(r.out).toBe(
        [
          `${names.length} migration(s) found in prisma/migrations`,
          'the database has no migration table (_prisma_migrations): it was never migrated',
          ...names.map((n) => `  pending  ${n}`),
          `${names.length} migration(s) not yet applied. Run \`rongsync migrate\`.`,
          '',
        ].join('\n'),
      );
    } finally {
      await e.drop();
    }
  });

  it('behind by one: lists it pending, exit 1; after migrate: up to date, exit 0', async () => {
    const e = await createEmptyDatabase();
    try {
      await applyMigrations({ databaseUrl: e.url, migrations: readMigrations().slice(0, -1) });
      const behind = await status(e.url);
      expect(behind.code).toBe(1);
      const lines = behind.out.trimEnd().split('\n');
      expect(lines.filter((l) => l.startsWith('  applied  '))).toHaveLength(names.length - 1);
      expect(lines.at(-2)).toBe(`  pending  ${names.at(-1)}`);
      expect(lines.at(-1)).toBe('1 migration(s) not yet applied. Run `rongsync migrate`.');

      await applyMigrations({ databaseUrl: e.url });
      const current = await status(e.url);
      expect(current.code).toBe(0);
      expect(current.out).toMatch(new RegExp(`^  applied  ${names.at(-1)}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`, 'm'));
      expect(current.out.trimEnd().split('\n').at(-1)).toBe('Database schema is up to date.');
      expect(current.err).toBe('');
    } finally {
      await e.drop();
    }
  });

  it('a failed migration: shown with its log and the resolve command, exit 1', async () => {
    const e = await createEmptyDatabase();
    try {
      await applyMigrations({ databaseUrl: e.url });
      const c = new pg.Client({ connectionString: e.url });
      await c.connect();
      await c.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at) VALUES ('x', 'y', '20991231000000_broken', E'\\nsyntax error at or near "TABEL"\\n\\nPostgres error code: 42601', now())`,
      );
      await c.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('z', 'y', '20990101000000_from_the_future', now(), 1)`);
      await c.end();
      const r = await status(e.url);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^ {2}failed {3}20991231000000_broken {2}started .* UTC: syntax error at or near "TABEL"$/m);
      expect(r.out).toMatch(/^ {2}unknown {2}20990101000000_from_the_future {2}\(applied to the database, not in prisma\/migrations/m);
      expect(r.out.trimEnd().split('\n').at(-1)).toBe(
        'Migration 20991231000000_broken failed. Fix the cause, then run `rongsync migrate resolve --rolled-back 20991231000000_broken` and `rongsync migrate`.',
      );
    } finally {
      await e.drop();
    }
  });

  it('a database that cannot be reached: one line, exit 1', async () => {
    const port = await freePort();
    const r = await status(`postgres://postgres:pw@127.0.0.1:${port}/x`);
    expect(r).toEqual({
      code: 1,
      out: '',
      err: `rongsync: cannot reach the database server at 127.0.0.1:${port} (connection refused). Is Postgres running there? Check the host and port in DATABASE_URL.\n`,
    });
  });
});

