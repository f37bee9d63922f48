// The JSON API over real runs: listing with keyset paging, one group, a run as the very document
// `rongsync report --format json` prints, the actions — and bad input answered with a 4xx that
// says what is wrong, never a stack.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createRongsync, type Rongsync } from '../../src/rongsync.js';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { request, type Answer } from './request.js';

const TOKEN = 'api-test-admin-token-0123456789';
let h: Harness;
let rs: Rongsync;
let server: HttpServer;

beforeAll(async () => {
  h = await createHarness({ RONGSYNC_QUARANTINE_AFTER: '1' });
  rs = createRongsync({ env: h.env, config: { RONGSYNC_ADMIN_TOKEN: TOKEN } });
  server = await createHttpServer(rs, null, { port: 0 });
});
afterAll(async () => {
  await server.close();
  await rs.close();
  await h.close();
});
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string) => request(`${server.url}${path}`, { headers: auth });
const post = (path: string, body?: unknown) =>
  request(`${server.url}${path}`, { method: 'POST', headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

/** A refusal: the status, a JSON body with a kind and a message, and nothing that looks like a stack. */
function refused(r: Answer, status: number, message: RegExp): void {
  expect(r.status, r.text).toBe(status);
  const body = r.json<{ error: string; message: string }>();
  expect(body.error).toMatch(/^[a-z_]+$/);
  expect(body.message).toMatch(message);
  expect(r.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe('groups', () => {
  it('lists by id with keyset paging, by condition and by search', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 5) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, 5) i`);
    await rs.apply();
    await rs.pause(['g3']);
    await h.t.sql(`INSERT INTO group_members VALUES ('g3', 'late')`);
    await rs.apply();

    const p1 = (await get('api/groups?limit=2')).json<{ groups: Array<{ groupId: string }>; next: string | null }>();
    expect(p1.groups.map((g) => g.groupId)).toEqual(['g1', 'g2']);
    expect(p1.next).toBe('g2');
    const p2 = (await get(`api/groups?limit=2&after=${p1.next}`)).json<typeof p1>();
    expect(p2.groups.map((g) => g.groupId)).toEqual(['g3', 'g4']);
    const p3 = (await get(`api/groups?limit=2&after=${p2.next}`)).json<typeof p1>();
    expect(p3).toMatchObject({ groups: [{ groupId: 'g5' }], next: null });

    const paused = (await get('api/groups?condition=paused')).json<{ groups: Array<{ groupId: string; condition: string; desiredMembers: number; remoteMembers: number }> }>();
    expect(paused.groups).toEqual([expect.objectContaining({ groupId: 'g3', condition: 'paused', desiredMembers: 2, remoteMembers: 1 })]);
    expect((await get('api/groups?search=4')).json<typeof p1>().groups.map((g) => g.groupId)).toEqual(['g4']);
    expect((await get('api/paused')).json<{ groups: Array<{ groupId: string }> }>().groups.map((g) => g.groupId)).toEqual(['g3']);
  });

  it('refuses bad paging, an unknown condition and unknown parameters, saying what is expected', async () => {
    refused(await get('api/groups?limit=0'), 400, /^bad query: limit: must be at least 1$/);
    refused(await get('api/groups?limit=501'), 400, /^bad query: limit: must be at most 500$/);
    refused(await get('api/groups?limit=ten'), 400, /^bad query: limit: expected a whole number$/);
    refused(await get('api/groups?after='), 400, /after: must not be empty/);
    refused(await get('api/groups?limit=1&limit=2'), 400, /limit/);
    refused(await get('api/groups?condition=broken'), 400, /^bad query: condition: expected one of quarantined, failed, unknown, in_doubt, blocked, unreconcilable, paused, drifted, unchecked, in_sync$/);
    refused(await get('api/groups?conditon=drifted'), 400, /unknown query parameter\(s\) "conditon"/);
    refused(await get('api/runs?limit=-1'), 400, /limit: expected a whole number/);
    refused(await get('api/nothing-here'), 404, /^no route GET \/api\/nothing-here$/);
  });

  it('explains one group — ids with slashes, spaces and CJK too — and 404s one nobody knows', async () => {
    const id = 'team/東京 #1';
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, '東京チーム')`, [id]);
    await h.t.sql(`INSERT INTO group_members VALUES ($1, 'u1'), ($1, 'u2')`, [id]);
    const before = (await get(`api/groups/${encodeURIComponent(id)}`)).json<{ groupId: string; desired: { name: string; members: string[] }; nextCalls: Array<{ kind: string }>; condition: string }>();
    expect(before).toMatchObject({ groupId: id, desired: { name: '東京チーム', members: ['u1', 'u2'] }, condition: 'unchecked' });
    expect(before.nextCalls.map((c) => c.kind)).toEqual(['create']);
    await rs.apply();
    await h.stranger.join({ id, memberId: 'intruder' }); // behind rongsync's back
    const fresh = (await get(`api/groups/${encodeURIComponent(id)}?read=1`)).json<{ read: { ok: boolean; members: string[] }; diff: { extraMembers: string[] } }>();
    expect(fresh.read).toEqual({ ok: true, name: expect.anything(), members: ['intruder', 'u1', 'u2'] });
    expect(fresh.diff.extraMembers).toEqual(['intruder']);
    refused(await get('api/groups/nobody-knows-me'), 404, /^rongsync knows no group "nobody-knows-me"/);
    refused(await get(`api/groups/${encodeURIComponent(id)}?read=yes`), 400, /read: expected 1 or 0/);
  });
});

describe('runs', () => {
  it('lists runs; one run is byte for byte what `rongsync report --format json` prints', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('r1', 'R')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('r1', 'u1')`);
    const { run } = await rs.apply();
    const list = (await get('api/runs')).json<{ runs: Array<{ runId: number; status: string }> }>();
    expect(list.runs[0]).toMatchObject({ runId: run.runId, status: 'succeeded' });

    const api = await get(`api/runs/${run.runId}`);
    expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
    const cli = await runCliCaptured(['report', '--run', String(run.runId), '--format', 'json'], h.env);
    expect(cli.code).toBe(0);
    expect(api.text).toBe(cli.out);
    expect((await get('api/runs/latest')).text).toBe(cli.out);

    const html = await get(`api/runs/${run.runId}?format=html`);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(html.text).toContain(`run #${run.runId}`);
    expect((await get(`api/runs/${run.runId}?format=md`)).text).toMatch(/^# rongsync run #/);
  });

  it('404s a run that does not exist and 400s one that cannot', async () => {
    refused(await get('api/runs/999999'), 404, /^run 999999 not found$/);
    refused(await get('api/runs/latest'), 404, /^no run recorded yet$/);
    refused(await get('api/runs/abc'), 400, /^run: expected a run id/);
    refused(await get('api/runs/1?format=pdf'), 400, /format: expected one of text, json, md, html/);
  });
});

describe('actions', () => {
  it('reconcile now, pause, resume, release — and 4xx for what cannot be done', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('a', 'u1')`);

    const rec = await post('api/groups/a/reconcile');
    expect(rec.status).toBe(200);
    expect(rec.json()).toMatchObject({ groupId: 'a', verdict: { exitCode: 0, inSync: true }, run: { status: 'succeeded' } });
    expect(h.remoteMembers()).toEqual({ a: ['u1'] });

    expect((await post('api/groups/a/pause')).json()).toEqual({ groupId: 'a', paused: true });
    expect((await post('api/groups/a/resume')).json()).toEqual({ groupId: 'a', paused: false, wasPaused: true });
    expect((await post('api/groups/a/resume')).json()).toEqual({ groupId: 'a', paused: false, wasPaused: false });

    const notQ = await post('api/groups/a/release');
    refused(notQ, 409, /nothing released:\n {2}- a: is not quarantined/);

    // Quarantine it (RONGSYNC_QUARANTINE_AFTER=1): a refused call.
    await h.t.sql(`INSERT INTO group_members VALUES ('a', 'u2')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 400, paths: ['/group/join.json', '/group/sync.json'] });
    await rs.apply();
    h.emulator.setFaults({});
    expect((await get('api/quarantined')).json<{ groups: Array<{ groupId: string }> }>().groups.map((g) => g.groupId)).toEqual(['a']);
    expect((await post('api/groups/a/release')).json()).toEqual({ groupId: 'a', released: true });
    expect((await get('api/quarantined')).json()).toEqual({ groups: [] });

    for (const action of ['reconcile', 'pause', 'resume', 'release']) refused(await post(`api/groups/ghost/${action}`), 404, /^rongsync knows no group "ghost"/);
    refused(await post('api/groups/a/reconcile', '{"allowDeletes": tru'), 400, /JSON/);
    refused(await post('api/groups/a/reconcile', { allowDeletes: 'yes' }), 400, /^bad body: allowDeletes: expected true or false$/);
    refused(await post('api/groups/a/reconcile', { force: true }), 400, /unknown body parameter\(s\) "force"/);
  });
});
