// RongCloud that cannot be reached — nothing listens on the port, or a server accepts connections
// and never answers — during apply, plan --full and explain: one line naming the URL and the fix,
// exit 1, the stack only at LOG_LEVEL=debug. The run stops at the first call without an answer
// (nothing else is sent), counts nothing against any group and acknowledges no change.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { freePort } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
let closedUrl: string;
let silent: net.Server;
let silentUrl: string;
const sockets = new Set<net.Socket>();
let requests = 0;
beforeAll(async () => {
  h = await createHarness();
  closedUrl = `http://127.0.0.1:${await freePort()}`;
  // Accepts every connection and never answers.
  silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('data', () => requests++);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 40) i`);
  await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, 40) i`);
});
const children: CliProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
  await h.close();
});

const down = (url: string, extra: Record<string, string> = {}) => ({ ...h.env, RONGCLOUD_API_URL: url, RONGCLOUD_MAX_RETRIES: '0', ...extra });
const oneLine = (err: string) => {
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at |node_modules/);
};

describe('nothing listens at RONGCLOUD_API_URL', () => {
  it('apply: one line with the URL and the fix, exit 1; no group failed, no change acknowledged', async () => {
    const r = await runCliCaptured(['apply'], down(closedUrl));
    expect(r.code).toBe(1);
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^rongsync: cannot reach RongCloud at ${closedUrl} \\(request failed: .*ECONNREFUSED.*\\)\\. Check RONGCLOUD_API_URL and the network\\. \\(run #\\d+ failed\\)\\n$`));
    expect(r.out).toBe('');
    expect(await h.t.sql(`SELECT group_id FROM rongsync_group_state WHERE consecutive_failures > 0 OR quarantined_at IS NOT NULL`)).toEqual([]);
    const [pending] = await h.t.sql<{ n: number }>(`SELECT count(DISTINCT group_id)::int AS n FROM rongsync_changes`);
    expect(pending!.n).toBe(40);
    // Only the calls in flight when the first one found nobody were sent; the others left no doubt behind.
    const [doubt] = await h.t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rongsync_in_doubt`);
    expect(doubt!.n).toBeLessThanOrEqual(h.config.remote.concurrency);
  });

  it('plan --full and explain: the same line (explain names --no-read)', async () => {
    const plan = await runCliCaptured(['plan', '--full'], down(closedUrl));
    expect(plan.code).toBe(1);
    oneLine(plan.err);
    expect(plan.err).toMatch(/^rongsync: cannot reach RongCloud at http:\/\/127\.0\.0\.1:\d+ .*Check RONGCLOUD_API_URL and the network\./);

    const explain = await runCliCaptured(['explain', 'g1'], down(closedUrl));
    expect(explain.code).toBe(1);
    oneLine(explain.err);
    expect(explain.err).toMatch(/^rongsync: cannot reach RongCloud at .*Check RONGCLOUD_API_URL and the network\. To explain it without RongCloud: rongsync explain --no-read g1\n$/);
    const offline = await runCliCaptured(['explain', '--no-read', 'g1'], down(closedUrl));
    expect(offline.code).toBe(0);
    expect(offline.out).toContain('RongCloud   not read (--no-read)');
  });

  it('LOG_LEVEL=debug adds the stack', async () => {
    const r = await runCliCaptured(['apply'], down(closedUrl, { LOG_LEVEL: 'debug' }));
    expect(r.code).toBe(1);
    expect(r.err).toContain('rongsync: cannot reach RongCloud at');
    expect(r.err).toMatch(/\n\s+at /);
  });

  it('with the right URL, everything converges', async () => {
    expect((await runCliCaptured(['apply'], h.env)).code).toBe(0);
    expect(Object.keys(h.remoteMembers())).toHaveLength(40);
  });
});

describe('RongCloud accepts connections and never answers', () => {
  it('apply --full stops after one timed-out call: one line saying so', async () => {
    const r = await runCliCaptured(['apply', '--full'], down(silentUrl, { RONGCLOUD_TIMEOUT_MS: '300' }));
    expect(r.code).toBe(1);
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^rongsync: cannot reach RongCloud at ${silentUrl} \\(no answer within 300 ms\\)\\. Check RONGCLOUD_API_URL and the network\\.`));
    // One read probed RongCloud; the other 39 were not sent to wait out their own timeouts.
    expect(requests).toBe(1);
  });
});

describe('serve', () => {
  it('logs why its runs fail (the host, the fix) and retries with a growing, stated delay', async () => {
    await h.t.sql(`INSERT INTO group_members VALUES ('g1', 'late')`);
    const serve = startCli(['serve'], { ...down(closedUrl), RONGSYNC_CRON: '0 0 1 1 *' });
    children.push(serve);
    await waitFor(() => serve.logged('retrying in 2 s').length > 0, 'two failed runs', 60_000);
    const retries = serve.logged('run failed (').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(retries[0]).toMatch(new RegExp(`^run failed \\(cannot reach RongCloud at ${closedUrl} \\(.*ECONNREFUSED.*\\)\\. Check RONGCLOUD_API_URL and the network\\.\\); retrying in 1 s$`));
    expect(retries[1]).toMatch(/; retrying in 2 s$/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited()).toBe(0);
  }, 90_000);
});
