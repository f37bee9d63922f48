// `rongsync migrate` end to end: the real executable (as `npx rongsync` runs it) and in-process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

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
