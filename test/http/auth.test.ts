// Who gets the console and the JSON API: nobody without RONGSYNC_ADMIN_TOKEN (a 403 that says
// what to set), the token holder by bearer header or login cookie, everyone on this machine in the
// local sandbox — and no write carried by a cookie (or by nothing, in the sandbox) from another
// origin. Health and metrics stay open throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, SESSION_TTL_MS } from '../../src/http/auth.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { Secret } from '../../src/config/secret.js';
import { createRongsync, type Rongsync } from '../../src/rongsync.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { request } from './request.js';

const TOKEN = 'test-admin-token-with-enough-length';
let h: Harness;
let rs: Rongsync;
let server: HttpServer;
let origin: string;

beforeAll(async () => {
  h = await createHarness();
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One')`);
  rs = createRongsync({ env: h.env, config: { RONGSYNC_ADMIN_TOKEN: TOKEN } });
  server = await createHttpServer(rs, null, { port: 0 });
  origin = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await server.close();
  await rs.close();
  await h.close();
});

async function login(): Promise<string> {
  const r = await request(`${server.url}login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  expect(r.status).toBe(303);
  expect(r.headers.location).toBe('/');
  const cookie = String(r.headers['set-cookie']);
  expect(cookie).toMatch(/^rongsync_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  return cookie.split(';')[0]!;
}

describe('with no token configured', () => {
  let closed: HttpServer;
  let bare: Rongsync;
  beforeAll(async () => {
    bare = createRongsync({ env: h.env });
    closed = await createHttpServer(bare, null, { port: 0 });
  });
  afterAll(async () => {
    await closed.close();
    await bare.close();
  });

  it('refuses the API and the console with a message saying what to set', async () => {
    expect(closed.access).toBe('closed');
    const api = await request(`${closed.url}api/status`);
    expect(api.status).toBe(403);
    expect(api.json()).toEqual({ error: 'no_admin_token', message: expect.stringContaining('set RONGSYNC_ADMIN_TOKEN') });
    const page = await request(closed.url);
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('set RONGSYNC_ADMIN_TOKEN');
    expect((await request(`${closed.url}login`)).status).toBe(403);
    expect((await request(`${closed.url}api/groups/g1/pause`, { method: 'POST', headers: { origin: closed.url.replace(/\/$/, '') } })).status).toBe(403);
  });

  it('keeps health, readiness and metrics open', async () => {
    for (const p of ['healthz', 'readyz', 'metrics']) expect((await request(`${closed.url}${p}`)).status).toBe(200);
  });
});

describe('with a token', () => {
  it('needs it: nothing, a wrong bearer, a forged or expired cookie are refused', async () => {
    expect((await request(`${server.url}api/status`)).status).toBe(401);
    const wrong = await request(`${server.url}api/status`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'bad_token' });
    expect((await request(`${server.url}api/status`, { headers: { cookie: `rongsync_session=${Date.now() + 1e6}.${'A'.repeat(43)}` } })).status).toBe(401);
    const expired = newSession(new Secret(TOKEN), Date.now() - SESSION_TTL_MS - 1000);
    expect((await request(`${server.url}api/status`, { headers: { cookie: `rongsync_session=${expired}` } })).status).toBe(401);
    const otherToken = newSession(new Secret('some-other-token-of-good-length'), Date.now());
    expect((await request(`${server.url}api/status`, { headers: { cookie: `rongsync_session=${otherToken}` } })).status).toBe(401);
  });

  it('sends the console to the login form, which takes the token once', async () => {
    const page = await request(server.url);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    const form = await request(`${server.url}login`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/login"');
    const bad = await request(`${server.url}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' },
      body: 'token=wrong',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const cookie = await login();
    expect((await request(server.url, { headers: { cookie } })).status).toBe(200);
    expect((await request(`${server.url}api/status`, { headers: { cookie } })).status).toBe(200);
  });

  it('accepts the bearer token, for reads and writes, from anywhere', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await request(`${server.url}api/status`, { headers: auth })).status).toBe(200);
    // No Origin, no Sec-Fetch-Site: a script. A bearer header is never sent by a browser on its own.
    const pause = await request(`${server.url}api/groups/g1/pause`, { method: 'POST', headers: auth });
    expect(pause.status).toBe(200);
    expect(pause.json()).toEqual({ groupId: 'g1', paused: true });
  });

  it('refuses cookie-borne writes that do not come from the console itself', async () => {
    const cookie = await login();
    const post = (headers: Record<string, string>) => request(`${server.url}api/groups/g1/resume`, { method: 'POST', headers: { cookie, ...headers } });
    const cases: Array<Record<string, string>> = [{}, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site', origin }];
    for (const headers of cases) {
      const r = await post(headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.json()).toMatchObject({ error: 'cross_site' });
    }
    expect((await post({ 'sec-fetch-site': 'same-origin', origin })).status).toBe(200);
    expect((await post({ origin })).status).toBe(200); // an older browser: Origin only
  });

  it('refuses a login posted from another site', async () => {
    const r = await request(`${server.url}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('logs out', async () => {
    const cookie = await login();
    const r = await request(`${server.url}logout`, { method: 'POST', headers: { cookie, origin, 'sec-fetch-site': 'same-origin' } });
    expect(r.status).toBe(303);
    expect(String(r.headers['set-cookie'])).toMatch(/^rongsync_session=; .*Max-Age=0/);
  });

  it('serves the console with a policy that forbids other scripts and framing', async () => {
    const cookie = await login();
    const page = await request(server.url, { headers: { cookie } });
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('local sandbox (openWithoutToken)', () => {
  it('opens the console on a loopback address, for loopback Host names only, and still refuses cross-site writes', async () => {
    const bare = createRongsync({ env: h.env });
    const open = await createHttpServer(bare, null, { port: 0, host: '127.0.0.1', openWithoutToken: true });
    try {
      expect(open.access).toBe('open');
      expect((await request(`${open.url}api/status`)).status).toBe(200);
      expect((await request(`${open.url}api/status`, { headers: { host: `localhost:${open.port}` } })).status).toBe(200);
      // DNS rebinding: a site whose name now points at 127.0.0.1 must not read the API.
      const rebound = await request(`${open.url}api/status`, { headers: { host: `evil.example:${open.port}` } });
      expect(rebound.status).toBe(403);
      expect(rebound.json()).toMatchObject({ error: 'not_loopback' });
      const o = open.url.replace(/\/$/, '');
      expect((await request(`${open.url}api/groups/g1/resume`, { method: 'POST' })).status).toBe(403);
      expect((await request(`${open.url}api/groups/g1/resume`, { method: 'POST', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
      expect((await request(`${open.url}api/groups/g1/resume`, { method: 'POST', headers: { origin: o, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    } finally {
      await open.close();
      await bare.close();
    }
  });

  it('is not honoured on an address other machines reach', async () => {
    const bare = createRongsync({ env: h.env });
    const wide = await createHttpServer(bare, null, { port: 0, host: '0.0.0.0', openWithoutToken: true });
    try {
      expect(wide.access).toBe('closed');
      expect((await request(`http://127.0.0.1:${wide.port}/api/status`)).status).toBe(403);
    } finally {
      await wide.close();
      await bare.close();
    }
  });

  it('does not open a server that has a token', async () => {
    const s = await createHttpServer(rs, null, { port: 0, openWithoutToken: true });
    try {
      expect(s.access).toBe('token');
      expect((await request(`${s.url}api/status`)).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});
