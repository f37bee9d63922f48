// The program's own options: --version, and configuration from `.env` / `--env-file`, through the
// real executable (a child process in a scratch working directory) and in process.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'rongsync.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Only what a shell needs: none of this process's DATABASE_URL etc. leaks into the child. */
const bareEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };

function rongsync(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...argv], { cwd, env: { ...bareEnv, ...env } }, (e, out, err) => {
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'rongsync-program-'));
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const NO_RUNS = 'rongsync: no reconcile runs recorded yet';

describe('rongsync --version', () => {
  it('prints the version of package.json', async () => {
    expect(await runCliCaptured(['--version'], {})).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
    const r = await rongsync(['-V'], dir);
    expect(r).toMatchObject({ code: 0, out: `${VERSION}\n` });
  });
});

describe('configuration from .env', () => {
  it('reads .env in the working directory', async () => {
    const cwd = mkdtempSync(join(dir, 'dotenv-'));
    const without = await runCliCaptured(['report'], {}, cwd);
    expect(without.code).toBe(1);
    expect(without.err).toContain('DATABASE_URL: is required but not set');

    writeFileSync(join(cwd, '.env'), `# the app database\nDATABASE_URL="${t.url}"\n`);
    const r = await rongsync(['report'], cwd);
    expect(r.err).toContain(NO_RUNS);
    expect(r.code).toBe(1);
  });

  it('.env.example works as a .env once copied; the environment wins over it', async () => {
    const cwd = mkdtempSync(join(dir, 'example-'));
    copyFileSync(join(ROOT, '.env.example'), join(cwd, '.env'));
    // The example's DATABASE_URL names a database that does not exist here: the environment's wins.
    const r = await rongsync(['report'], cwd, { DATABASE_URL: t.url });
    expect(r.err).toContain(NO_RUNS);

    writeFileSync(join(cwd, '.env'), `DATABASE_URL=${t.url}\nRONGSYNC_MODE=bogus\n`);
    const bad = await runCliCaptured(['report'], {}, cwd);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('RONGSYNC_MODE: "bogus" expected apply or detect');
    const fixed = await runCliCaptured(['report'], { RONGSYNC_MODE: 'detect' }, cwd);
    expect(fixed.err).toContain(NO_RUNS);
  });

  it('--env-file reads another file instead of .env (before or after the command)', async () => {
    const cwd = mkdtempSync(join(dir, 'envfile-'));
    writeFileSync(join(cwd, '.env'), 'RONGSYNC_MODE=bogus\n');
    writeFileSync(join(cwd, 'prod.env'), `DATABASE_URL=${t.url}\n`);
    expect((await rongsync(['--env-file', 'prod.env', 'report'], cwd)).err).toContain(NO_RUNS);
    expect((await runCliCaptured(['report', '--env-file', join(cwd, 'prod.env')], {}, cwd)).err).toContain(NO_RUNS);
    expect((await runCliCaptured(['report', '--env-file=prod.env'], {}, cwd)).err).toContain(NO_RUNS);
  });

  it('a missing --env-file is an error naming the path, for every command', async () => {
    const cwd = mkdtempSync(join(dir, 'missing-'));
    for (const argv of [['--env-file', 'nope.env', 'plan'], ['emulator', '--port', '0', '--app-key', 'k', '--app-secret', 's', '--env-file', 'nope.env']]) {
      const r = await runCliCaptured(argv, { DATABASE_URL: t.url }, cwd);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toBe(`rongsync: invalid configuration:\n  - --env-file: cannot read ${join(cwd, 'nope.env')}: no such file (e.g. --env-file ./production.env)\n`);
    }
    // Through the executable, Node 20/22 itself looks at a `--env-file` argument even after the
    // script's name (nodejs/node#54232) and stops before rongsync starts: still an error naming
    // the file, with Node's wording and exit code.
    const spawned = await rongsync(['plan', '--env-file', 'nope.env'], cwd);
    expect(spawned.code).not.toBe(0);
    expect(spawned.err).toMatch(/nope\.env/);
  });
});
