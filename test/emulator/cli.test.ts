// `rongsync emulator` as a real child process: prints its URL, serves signed calls, stops with
// exit 0 on SIGTERM (saving the snapshot), needs no DATABASE_URL, refuses bad flags with exit 1.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, APP_SECRET, post } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const children: ChildProcessWithoutNullStreams[] = [];

function run(args: string[]) {
  const env = { ...process.env };
  delete env.DATABASE_URL; // the emulator command must not need it
  const child = spawn(process.execPath, ['bin/rongsync.js', 'emulator', ...args], { cwd: root, env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /^rongsync emulator listening on (http:\/\/\S+)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening; stderr: ${stderr}`)));
  });
  url.catch(() => {}); // tests of failing runs never await the URL
  return { child, url, exited, out: () => stdout, err: () => stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rs-emu-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('rongsync emulator', () => {
  it('prints its URL, serves signed calls, and on SIGTERM saves the snapshot and exits 0', async () => {
    const file = join(dir, 'snap.json');
    const p = run(['--port', '0', '--app-key', APP_KEY, '--app-secret', APP_SECRET, '--snapshot', file, '--rate-limit', '0']);
    const url = await p.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
    const r = await post({ url }, '/group/create.json', { userId: ['u1', 'u2'], groupId: 'g1', groupName: 'CLI' });
    expect(r).toMatchObject({ status: 200, body: { code: 200 } });

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toBe(`rongsync emulator listening on ${url}\n`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ groups: { g1: { name: 'CLI', members: ['u1', 'u2'] } } });

    // A second run loads it back.
    const again = run(['--port', '0', '--app-key', APP_KEY, '--app-secret', APP_SECRET, '--snapshot', file]);
    const q = await post({ url: await again.url }, '/group/user/query.json', { groupId: 'g1' });
    expect(q.body.users).toEqual([{ id: 'u1' }, { id: 'u2' }]);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('fault flags reach the server: --error-rate 1 answers 500', async () => {
    const p = run(['--port', '0', '--app-key', APP_KEY, '--app-secret', APP_SECRET, '--error-rate', '1', '--seed', '3']);
    const r = await post({ url: await p.url }, '/group/user/query.json', { groupId: 'g' });
    expect(r).toMatchObject({ status: 500, body: { code: 1000 } });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('bad flags: exit 1 with a message naming each flag and a good value', async () => {
    const p = run(['--port', 'abc', '--app-key', 'k', '--app-secret', 's', '--timeout-rate', '1.5']);
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('--port: "abc" is not an integer from 0 to 65535 (e.g. --port 9200)');
    expect(p.err()).toContain('--timeout-rate: "1.5" is not a fraction from 0 to 1 (e.g. --timeout-rate 0.05)');
    expect(p.out()).toBe('');
  });

  it('missing --app-secret: exit 1 naming the option', async () => {
    const p = run(['--port', '0', '--app-key', 'k']);
    expect(await p.exited).toBe(1);
    expect(p.err()).toMatch(/--app-secret/);
  });
});
