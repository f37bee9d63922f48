// The local sandbox of `rongsync start` without DATABASE_URL: an embedded PostgreSQL with the
// database `rongsync`, and — when no RONGCLOUD_APP_KEY is given — the RongCloud emulator in
// process, standing in for RongCloud. Everything lives in RONGSYNC_DATA_DIR and survives restarts:
// the cluster (postgres/), and what the emulator holds (emulator.json, saved when it stops), so
// the sandbox "RongCloud" still has the groups rongsync wrote there last time.
//
// Two steps, because the configuration needs the database URL and the emulator's address before
// the logger exists: `open` reserves the directory, password and ports and starts the emulator
// (no logging needed); `start` runs Postgres and creates the database.
import { chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { lockDataDir, makeDir, type DataDirLock } from './data-dir.js';
import { EmbeddedPostgres, type StartOptions } from './embedded-postgres.js';

/** The database the app and rongsync use on the embedded server. */
const SANDBOX_DATABASE = 'rongsync';
/** Credentials of the sandbox emulator (it is not RongCloud: nothing secret about them). */
export const SANDBOX_APP_KEY = 'sandbox';
export const SANDBOX_APP_SECRET = 'sandbox-secret';

export interface SandboxOptions {
  /** RONGSYNC_DATA_DIR; relative to the working directory. */
  dataDir: string;
  /** RONGSYNC_SANDBOX_POSTGRES_PORT; 0 picks a free one. */
  postgresPort: number;
  /** Run the RongCloud emulator in process (no RONGCLOUD_APP_KEY was given). */
  emulator: boolean;
}

export class Sandbox {
  /** Absolute RONGSYNC_DATA_DIR. */
  readonly dataDir: string;
  readonly postgres: EmbeddedPostgres;
  /** The sandbox "RongCloud"; null when a RONGCLOUD_APP_KEY was given. */
  readonly emulator: Emulator | null;
  readonly #lock: DataDirLock;
  #closing: Promise<void> | undefined;

  private constructor(dataDir: string, postgres: EmbeddedPostgres, emulator: Emulator | null, lock: DataDirLock) {
    this.dataDir = dataDir;
    this.postgres = postgres;
    this.emulator = emulator;
    this.#lock = lock;
  }

  /** Takes the data directory and settles the database URL; starts the emulator. Postgres is not started yet. */
  static async open(options: SandboxOptions): Promise<Sandbox> {
    const dataDir = resolve(options.dataDir);
    await makeDir(dataDir, { passable: process.getuid?.() === 0 });
    const lock = await lockDataDir(dataDir);
    try {
      const postgres = await EmbeddedPostgres.prepare({ dir: join(dataDir, 'postgres'), port: options.postgresPort });
      const emulator = options.emulator
        ? await startEmulator({ appKey: SANDBOX_APP_KEY, appSecret: SANDBOX_APP_SECRET, host: '127.0.0.1', port: 0, snapshotPath: join(dataDir, 'emulator.json') })
        : null;
      return new Sandbox(dataDir, postgres, emulator, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** The database the app writes and rongsync reads. */
  get databaseUrl(): string {
    return this.postgres.url(SANDBOX_DATABASE);
  }

  /** The variables the configuration takes from the sandbox: DATABASE_URL and, with the emulator, RongCloud's. */
  env(): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      ...(this.emulator ? { RONGCLOUD_APP_KEY: SANDBOX_APP_KEY, RONGCLOUD_APP_SECRET: SANDBOX_APP_SECRET, RONGCLOUD_API_URL: this.emulator.url } : {}),
    };
  }

  /** Runs Postgres (initdb on the first start) and creates the database `rongsync` if missing. */
  async start(options: StartOptions): Promise<void> {
    await this.postgres.start(options);
    if (await this.postgres.createDatabase(SANDBOX_DATABASE)) options.logger.info({ database: SANDBOX_DATABASE }, 'created the database on the embedded PostgreSQL');
  }

  /** Stops the emulator (saving what it holds), then Postgres; releases the directory. Call after the library is closed. */
  close(logger: Logger = silentLogger): Promise<void> {
    return (this.#closing ??= (async () => {
      try {
        await this.emulator?.close();
        // What the sandbox holds is user ids: this user's only (the directory may be passable, as root).
        if (this.emulator) await chmod(join(this.dataDir, 'emulator.json'), 0o600);
      } finally {
        try {
          await this.postgres.stop(logger);
        } finally {
          await this.#lock.release();
        }
      }
    })());
  }

  /** At once (a second Ctrl-C): Postgres gets an immediate shutdown; nothing is waited for. */
  kill(): void {
    this.postgres.kill();
  }
}
