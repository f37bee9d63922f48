// SLOW (~40-60 s: a production `npm ci` into a clean folder). The Docker image's build steps,
// performed without Docker by scripts/docker-steps.ts from the Dockerfile itself: copy what the
// Dockerfile copies (minus .dockerignore), install production dependencies, generate the Prisma
// client, then run the entrypoint's `emulator`, `migrate` and `plan` on a fresh database, and the
// HEALTHCHECK against a stand-in /readyz.
import { existsSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDockerSteps, type DockerStepsResult } from '../../scripts/docker-steps.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

let d: EmptyDatabase;
let r: DockerStepsResult;
const seen: Record<string, boolean> = {};
beforeAll(async () => {
  d = await createEmptyDatabase();
  r = await runDockerSteps({
    databaseUrl: d.url,
    keep: true,
    // Once migrated, the app writes a group: the image's `plan` must see it.
    afterMigrate: async () => {
      const c = new pg.Client({ connectionString: d.url });
      await c.connect();
      try {
        await c.query(`INSERT INTO groups (id, name) VALUES ('docker-g', 'From the app')`);
        await c.query(`INSERT INTO group_members VALUES ('docker-g', 'alice')`);
      } finally {
        await c.end();
      }
    },
  });
  seen.compiled = existsSync(join(r.dir, 'dist', 'cli', 'main.js')) && existsSync(join(r.dir, 'dist', 'generated', 'prisma', 'client.js'));
  seen.sources = existsSync(join(r.dir, 'src'));
  seen.tsx = existsSync(join(r.dir, 'node_modules', 'tsx'));
  seen.devDependency = existsSync(join(r.dir, 'node_modules', 'vitest'));
  seen.tests = existsSync(join(r.dir, 'test'));
  seen.dotenv = existsSync(join(r.dir, '.env'));
  rmSync(r.dir, { recursive: true, force: true });
}, 240_000);
afterAll(async () => {
  await d?.drop();
});

describe('docker image steps (slow)', () => {
  it('follows the Dockerfile: compiled JavaScript, production dependencies only, no sources, nothing .dockerignore excludes', () => {
    expect(r.steps).toContain('RUN npm ci --no-audit --prefer-offline --no-fund');
    expect(r.steps).toContain('RUN npm run build');
    expect(r.steps).toContain('RUN npm prune --omit=dev --no-audit --prefer-offline');
    expect(r.steps).toContain('COPY src → src/');
    expect(r.steps).toContain('RUN rm -rf src');
    expect(r.steps.some((s) => s.startsWith('skip apt-get install -y --no-install-recommends tini'))).toBe(true);
    // The ENTRYPOINT's bin/rongsync.js runs dist/ with plain node: no tsx at run time.
    expect(seen).toEqual({ compiled: true, sources: false, tsx: false, devDependency: false, tests: false, dotenv: false });
    // The image's Node is the one these steps ran on (major and minor of the FROM tag).
    expect(process.versions.node.startsWith(`${r.baseImageNode}.`)).toBe(true);
    expect(r.entrypoint).toEqual(['node', 'bin/rongsync.js']);
  });

  it('migrates a fresh database and plans against the emulator from the built folder', () => {
    expect(r.migrate.out).toMatch(/^applied \d{14}_init$/m);
    expect(r.plan.code).toBe(2);
    expect(r.plan.out).toContain('create  docker-g "From the app" with 1 member(s): alice');
  });

  it('passes its HEALTHCHECK when /readyz answers', () => {
    expect(r.healthcheck.code).toBe(0);
    expect(r.healthcheck.out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/readyz: 200$/m);
  });
});
