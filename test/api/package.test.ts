// The package as a user gets it: compiled to dist/ by `npm run build`, imported by its name
// (package.json `exports`) from plain Node — no tsx — and driven through the public API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/reconcile.js';

const run = promisify(execFile);
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: process.cwd() });
}, 180_000);
afterAll(() => h.close());

const script = `
import { createRongsync } from 'rongsync';
const rs = createRongsync({
  databaseUrl: process.env.DATABASE_URL,
  config: { RONGCLOUD_APP_KEY: process.env.RONGCLOUD_APP_KEY, RONGCLOUD_APP_SECRET: process.env.RONGCLOUD_APP_SECRET, RONGCLOUD_API_URL: process.env.RONGCLOUD_API_URL },
});
const plan = await rs.plan();
const applied = await rs.apply();
const after = await rs.plan();
const status = await rs.status();
await rs.close();
console.log(JSON.stringify({ plan: plan.verdict.exitCode, calls: plan.calls.map((c) => c.kind), apply: applied.verdict.exitCode, after: after.verdict.exitCode, inSync: status.groups.in_sync }));
`;

it('imports the compiled package by name and drives a run through the API', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('pkg', 'Packaged')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('pkg', 'a'), ('pkg', 'b')`);
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { PATH: process.env['PATH'], ...h.env, NODE_OPTIONS: '' },
  });
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ plan: 2, calls: ['create'], apply: 0, after: 0, inSync: 1 });
  expect(h.remoteMembers()).toEqual({ pkg: ['a', 'b'] });
}, 60_000);
