// /healthz and /readyz on real servers: alive unless the event loop stalls; ready only on a
// reachable, fully migrated database, naming leader or standby — and `rongsync serve` starts the
// server on RONGSYNC_HTTP_PORT and stops it on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { readMigrations } from '../../src/db/migrate/files.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import type { ReconcileService } from '../../src/service/serve.js';
import { createRongsync, type Rongsync } from '../../src/rongsync.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { waitFor } from '../helpers/wait.js';
import { freePort, request } from './request.js';

let h: Harness;
let rs: Rongsync;
let service: ReconcileService;
let server: HttpServer;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  h = await createHarness();
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('grp-PRIVATE-1', 'Private')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-1', 'usr-PRIVATE-alice')`);
  rs = createRongsync({ env: h.env });
  service = await rs.serve({ leaderPollMs: 100 });
  server = await createHttpServer(rs, service, { port: 0 });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await server.close();
  await rs.close();
  await h.close();
});

describe('/healthz', () => {
  it('is ok while the event loop runs freely, and carries no app data', async () => {
    const r = await request(`${server.url}healthz`);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok' });
    expect(r.text).not.toMatch(/PRIVATE/);
  });

  it('is 503 with the reason after the event loop was blocked longer than the limit', async () => {
    const strict = await createHttpServer(rs, service, { port: 0, health: { maxEventLoopDelayMs: 500, windowMs: 60_000 } });
    cleanup.push(() => strict.close());
    await new Promise((r) => setTimeout(r, 200)); // the monitor measures from its first tick on
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      // a synchronous stall, as a runaway computation would make
    }
    const r = await request(`${strict.url}healthz`);
    expect(r.status).toBe(503);
    expect(r.json<{ reason: string }>().reason).toMatch(/^event loop blocked for \d+ ms \(limit 500 ms\)$/);
    expect(r.json<{ eventLoopDelayMs: number }>().eventLoopDelayMs).toBeGreaterThanOrEqual(1400);
  });
});

describe('/readyz', () => {
  it('is ready on the migrated database and says this process leads', async () => {
    const r = await request(`${server.url}readyz`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: 'ready', role: 'leader', migrations: { applied: readMigrations().length } });
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('says standby on a second replica (which serves it too)', async () => {
    const rs2 = createRongsync({ env: h.env });
    const standby = await rs2.serve({ leaderPollMs: 100 });
    const s2 = await createHttpServer(rs2, standby, { port: 0 });
    cleanup.push(async () => {
      await s2.close();
      await rs2.close();
    });
    expect(standby.isLeader).toBe(false);
    expect((await request(`${s2.url}readyz`)).json()).toMatchObject({ status: 'ready', role: 'standby' });
  });

  describe('on a database that is not migrated', () => {
    let empty: EmptyDatabase;
    let bare: Rongsync;
    let s: HttpServer;
    beforeAll(async () => {
      empty = await createEmptyDatabase();
      bare = createRongsync({ env: { ...h.env, DATABASE_URL: empty.url } });
      s = await createHttpServer(bare, null, { port: 0 });
    });
    afterAll(async () => {
      await s.close();
      await bare.close();
      await empty.drop();
    });

    it('is 503 naming the migrations to apply', async () => {
      const r = await request(`${s.url}readyz`);
      expect(r.status).toBe(503);
      const body = r.json<{ status: string; reason: string; role: string }>();
      expect(body.status).toBe('not_ready');
      expect(body.role).toBe('not serving');
      const names = readMigrations().map((m) => m.name);
      expect(body.reason).toBe(`migrations not applied: ${names.join(', ')} (run \`rongsync migrate\`)`);
    });

    it('is 503 naming only the one missing once the others are applied, and ready after it', async () => {
      const all = readMigrations();
      await applyMigrations({ databaseUrl: empty.url, migrations: all.slice(0, -1) });
      const r = await request(`${s.url}readyz`);
      expect(r.status).toBe(503);
      expect(r.json<{ reason: string }>().reason).toBe(`migrations not applied: ${all.at(-1)!.name} (run \`rongsync migrate\`)`);
      await applyMigrations({ databaseUrl: empty.url });
      expect((await request(`${s.url}readyz`)).status).toBe(200);
    });

    it('is 503 on a failed, unresolved migration', async () => {
      await applyMigrations({ databaseUrl: empty.url, migrations: [{ name: '99999999999999_broken', sql: 'SELECT nope_no_such_column FROM groups', checksum: 'x' }] }).catch(() => {});
      const r = await request(`${s.url}readyz`);
      expect(r.status).toBe(503);
      expect(r.json<{ reason: string }>().reason).toMatch(/^migration failed and not resolved: 99999999999999_broken/);
    });
  });

  it('is 503 when the database cannot be reached', async () => {
    const port = await freePort();
    const away = createRongsync({ env: { ...h.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nothing` } });
    const s = await createHttpServer(away, null, { port: 0 });
    cleanup.push(async () => {
      await s.close();
      await away.close();
    });
    const r = await request(`${s.url}readyz`);
    expect(r.status).toBe(503);
    expect(r.json<{ reason: string }>().reason).toMatch(/^database unreachable: .*ECONNREFUSED/);
  });
});

describe('rongsync serve', () => {
  it('serves the probes on RONGSYNC_HTTP_PORT and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/rongsync.js', 'serve'], {
      env: { ...process.env, ...h.env, RONGSYNC_HTTP_PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    try {
      await waitFor(() => log.includes('rongsync serve started'), 'serve to start', 20_000);
      expect(log).toContain(`HTTP server listening: console http://127.0.0.1:${port}/`);
      expect(log).toContain('console and JSON API refused: set RONGSYNC_ADMIN_TOKEN');
      const r = await request(`http://127.0.0.1:${port}/readyz`);
      expect(r.status).toBe(200);
      // The in-process service leads, so this replica stands by.
      expect(r.json()).toMatchObject({ status: 'ready', role: 'standby' });
      expect((await request(`http://127.0.0.1:${port}/api/status`)).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 40_000);
});

describe('a port in use', () => {
  it('is a configuration error naming RONGSYNC_HTTP_PORT and the fix, not a raw EADDRINUSE', async () => {
    await expect(createHttpServer(rs, null, { port: server.port })).rejects.toThrow(
      new RegExp(`RONGSYNC_HTTP_PORT: port ${server.port} on 127\\.0\\.0\\.1 is in use; choose a free one .*or 0 to turn the HTTP server off`),
    );
  });
});
