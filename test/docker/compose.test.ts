// docker-compose.yml and the Dockerfile, checked for shape (no Docker engine runs here): Postgres,
// a one-shot migrate, then serve; the emulator only in the sandbox profile; tini as PID 1 and a
// HEALTHCHECK on /readyz. scripts/healthcheck.js is run against real sockets.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dockerignore, hostCommand, parseDockerfile } from '../../scripts/docker-steps.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  ports?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

describe('docker-compose.yml', () => {
  const s = compose.services;

  it('has postgres, migrate, rongsync (serve) and the emulator', () => {
    expect(Object.keys(s).sort()).toEqual(['emulator', 'migrate', 'postgres', 'rongsync']);
    expect(s['postgres']!.image).toMatch(/^postgres:1[3-9]/);
    expect(s['postgres']!.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'rongsync', '-d', 'rongsync']);
    expect(compose.volumes).toHaveProperty('pgdata');
  });

  it('runs migrate once, after Postgres is healthy, then serve after migrate succeeded', () => {
    expect(s['migrate']).toMatchObject({ build: '.', command: ['migrate'], restart: 'no', depends_on: { postgres: { condition: 'service_healthy' } } });
    expect(s['rongsync']).toMatchObject({
      build: '.',
      command: ['serve'],
      depends_on: { postgres: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' }, emulator: { required: false } },
    });
    for (const name of ['migrate', 'rongsync']) {
      expect(s[name]!.environment?.['DATABASE_URL']).toBe('postgres://rongsync:rongsync@postgres:5432/rongsync');
      expect(s[name]!.profiles).toBeUndefined();
    }
    expect(s['rongsync']!.environment?.['RONGSYNC_HTTP_PORT']).toBe('9300');
    expect(s['rongsync']!.ports).toEqual(['9300:9300']);
    // One-shot containers have no /readyz to check.
    expect(s['migrate']!.healthcheck).toEqual({ disable: true });
  });

  it('starts the emulator only with --profile sandbox, on all interfaces of its container', () => {
    expect(s['emulator']!.profiles).toEqual(['sandbox']);
    expect(s['emulator']!.command?.slice(0, 5)).toEqual(['emulator', '--host', '0.0.0.0', '--port', '9200']);
    expect(s['emulator']!.healthcheck).toEqual({ disable: true });
  });
});

describe('Dockerfile', () => {
  const steps = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const one = (op: string) => steps.filter((i) => i.op === op).map((i) => i.args);

  it('runs node under tini, serve by default, with a HEALTHCHECK by node on /readyz', () => {
    expect(one('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--", "node", "bin/rongsync.js"]']);
    expect(one('CMD')).toEqual(['["serve"]']);
    expect(one('RUN').some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
    expect(one('HEALTHCHECK')).toHaveLength(1);
    expect(one('HEALTHCHECK')[0]).toMatch(/CMD \["node", "scripts\/healthcheck\.js"\]$/);
    expect(one('ENV').join(' ')).toContain('RONGSYNC_HTTP_HOST=0.0.0.0');
    expect(one('USER')).toEqual(['node']);
    // Every RUN step is one scripts/docker-steps.ts knows what to do with.
    for (const r of one('RUN')) for (const part of r.split('&&')) expect(() => hostCommand(part)).not.toThrow();
  });

  it('.dockerignore keeps secrets, generated code and tests out of the build context', () => {
    const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    for (const p of ['.env', 'node_modules/pg/index.js', 'src/generated/prisma/client.ts', 'test/cli/program.test.ts', 'x.log']) expect(ignored(p), p).toBe(true);
    for (const p of ['src/cli/main.ts', 'bin/rongsync.js', 'prisma/schema.prisma', '.env.example', 'src/x.log']) expect(ignored(p), p).toBe(false);
  });
});

describe('scripts/healthcheck.js', () => {
  const check = (port: number) =>
    new Promise<{ code: number; out: string }>((done) =>
      execFile(process.execPath, [join(ROOT, 'scripts', 'healthcheck.js')], { env: { PATH: process.env['PATH'], RONGSYNC_HTTP_PORT: String(port) } }, (e, out) =>
        done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out }),
      ),
    );
  const serve = async (status: number): Promise<Server> => {
    const server = createServer((req, res) => res.writeHead(req.url === '/readyz' ? status : 404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return server;
  };

  it('exits 0 on a 2xx from /readyz, 1 on 503 or when nothing listens', async () => {
    const ready = await serve(200);
    const notReady = await serve(503);
    const closedPort = (ready.address() as AddressInfo).port; // nothing listens there once closed
    try {
      const ok = await check((ready.address() as AddressInfo).port);
      expect(ok.code).toBe(0);
      const no = await check((notReady.address() as AddressInfo).port);
      expect(no).toMatchObject({ code: 1 });
      expect(no.out).toMatch(/readyz: 503/);
    } finally {
      await new Promise((r) => ready.close(r));
      notReady.close();
    }
    const refused = await check(closedPort);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/ECONNREFUSED/);
  });
});
