// `rongsync migrate` end to end: the real executable (as `npx rongsync` runs it) and in-process.
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

const run = promisify(execFile);
let d: EmptyDatabase;
beforeAll(async () => {
  d = await createEmptyDatabase();
});
afterAll(() => d.drop());

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

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
    const out = capture();
    const err = capture();
    const code = await runCli(['migrate'], { env: { DATABASE_URL: 'http://nope' }, stdout: out.stream, stderr: err.stream });
    expect(code).toBe(1);
    expect(err.text()).toContain('DATABASE_URL: "http://nope" expected a postgres:// or postgresql:// URL');
    expect(out.text()).toBe('');
  });

  it('rejects an unknown command with a usage error', async () => {
    const err = capture();
    const code = await runCli(['nonsense'], { env: {}, stdout: capture().stream, stderr: err.stream });
    expect(code).toBe(1);
    expect(err.text()).toContain("unknown command 'nonsense'");
  });
});
