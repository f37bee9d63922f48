// A throwaway Postgres cluster of its own, for tests that stop or restart the server (the shared
// server on 5432 must never be restarted under other test files). initdb in a temp directory on a
// free port, password authentication over TCP (so a wrong password can be tested), started and
// restarted with pg_ctl. Postgres refuses to run as root, so its binaries run as the `postgres` OS
// user (runuser) when the tests run as root, on a data directory that user owns.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './tcp-proxy.js';

const run = promisify(execFile);
const BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
export const PRIVATE_PASSWORD = 'private-cluster-pw';

export interface PrivatePostgres {
  port: number;
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url(database: string): string;
  start(): Promise<void>;
  /** pg_ctl restart; resolves once the server accepts connections again. */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  sql(database: string, text: string): Promise<void>;
  /** Stops the server (if running) and removes the directory. */
  destroy(): Promise<void>;
}

async function asPostgres(cmd: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const { stdout } = asRoot ? await run('runuser', ['-u', OS_USER, '--', join(BIN, cmd), ...args]) : await run(join(BIN, cmd), args);
  return stdout;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PRIVATE_PASSWORD}\n`);
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', OS_USER]);
    const { stdout: gid } = await run('id', ['-g', OS_USER]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chownSync(pwfile, Number(stdout.trim()), Number(gid.trim()));
  }
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync off: a throwaway cluster; an immediate restart still runs crash recovery.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const log = join(dir, 'log');
  let running = false;

  const self: PrivatePostgres = {
    port,
    url: (database) => `postgres://postgres:${PRIVATE_PASSWORD}@127.0.0.1:${port}/${database}`,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '60', 'start']);
      running = true;
    },
    async restart(mode) {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', log, '-m', mode, '-w', '-t', '60', 'restart']);
      running = true;
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async sql(database, text) {
      const c = new pg.Client({ connectionString: self.url(database) });
      await c.connect();
      try {
        await c.query(text);
      } finally {
        await c.end();
      }
    },
    async destroy() {
      if (running) await self.stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
