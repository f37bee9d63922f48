// The web console in a real headless Chromium, served by a real server over a real database and
// the emulator: the overview, drift made behind rongsync's back and fixed with "reconcile now",
// refusals without the token and from another origin, hostile ids and names, a phone's width and
// live updates.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import type { ReconcileService } from '../../src/service/serve.js';
import { createRongsync, type Rongsync } from '../../src/rongsync.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'console-test-admin-token-0123456789';
let h: Harness;
let rs: Rongsync;
let server: HttpServer;
let browser: TestBrowser;

beforeAll(async () => {
  h = await createHarness({ RONGCLOUD_GROUP_ID_MAX: '64' });
  rs = createRongsync({ env: h.env, config: { RONGSYNC_ADMIN_TOKEN: TOKEN } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await rs.close();
  await h.close();
});

/** A page logged in through the form, with page errors and CSP refusals collected. */
async function consolePage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.page({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(server.url);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForURL(server.url), page.click('button[type=submit]')]);
  return { page, problems };
}

/** Waits until the console has rendered the current route (after navigation or an action). */
async function rendered(page: Page, hash: string): Promise<void> {
  const before = await page.evaluate(() => document.body.dataset['rendered'] ?? '0');
  await page.evaluate((x) => {
    if (location.hash === x) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = x;
  }, hash);
  await page.waitForFunction(([b, x]) => (document.body.dataset['rendered'] ?? '0') !== b && document.body.dataset['route'] === x, [before, hash] as const);
}

const conditionCount = (page: Page, c: string) => page.textContent(`li[data-condition="${c}"] .n`);

describe('served by the leader', { timeout: 60_000 }, () => {
  let service: ReconcileService;
  beforeAll(async () => {
    service = await rs.serve({ leaderPollMs: 100 });
    server = await createHttpServer(rs, service, { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await service.stop();
  });

  it('loads the overview: role, groups by condition, last runs, the calls chart', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('o1', 'One'), ('o2', 'Two'), ('o3', 'Three')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('o1', 'u1'), ('o2', 'u2'), ('o3', 'u3')`);
    await rs.apply();
    await rs.pause(['o3']);
    await h.t.sql(`INSERT INTO group_members VALUES ('o3', 'u4')`);
    await rs.apply();

    const { page, problems } = await consolePage();
    await page.waitForSelector('li[data-condition="in_sync"]');
    expect(await conditionCount(page, 'in_sync')).toBe('2');
    expect(await conditionCount(page, 'paused')).toBe('1');
    expect(await conditionCount(page, 'quarantined')).toBe('0');
    expect(await page.textContent('#role')).toBe('leader');
    expect(await page.locator('main table tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.chart svg rect').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('updates live when a run finishes', async () => {
    const { page } = await consolePage();
    await page.waitForSelector('li[data-condition="in_sync"]');
    await page.waitForFunction(() => document.getElementById('live')?.textContent?.startsWith('live'));
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('livegroup', 'Live')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('livegroup', 'u1')`); // the service's next run applies it
    await waitFor(() => h.remoteMembers()['livegroup'], 'the service to apply livegroup');
    const [latest] = await rs.runs({ limit: 1 });
    // No reload: the page shows the run that applied it once the event arrives.
    await page.waitForFunction((id) => Number(document.querySelector('main table tbody tr td a')?.textContent?.slice(1)) >= id, latest!.runId, { timeout: 15_000 });
  });
});

// With no service running: a leader in apply mode would converge a drifted group as soon as the
// verification read marks it, before anyone could look at it.
describe('operator pages, no service running', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    server = await createHttpServer(rs, null, { port: 0 });
  });
  afterAll(() => server.close());

  it('shows a group drifted behind its back after a verification read, and "reconcile now" brings it in sync', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('drifty', 'Drifty')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('drifty', 'alice'), ('drifty', 'bob')`);
    await rs.apply({ groups: ['drifty'] });
    await h.stranger.join({ id: 'drifty', memberId: 'mallory' }); // a second client, behind rongsync's back
    // The verification read: what the cron run's slice (or `rongsync plan --group`) does.
    await rs.plan({ groups: ['drifty'] });

    const { page, problems } = await consolePage();
    await page.waitForSelector('li[data-condition="drifted"]');
    expect(await conditionCount(page, 'drifted')).toBe('1');
    await rendered(page, '#/groups/drifty');
    expect(await page.textContent('h1 .badge')).toBe('drifted');
    expect(await page.locator('dl.facts .member.del').allTextContents()).toEqual(['mallory']);
    expect(await page.locator('li', { hasText: 'kick' }).allTextContents()).toEqual([expect.stringContaining('mallory')]);

    await page.click('button:has-text("Reconcile now")');
    await page.waitForSelector('.result:has-text("Reconciled in run")');
    expect(await page.textContent('h1 .badge')).toBe('in sync');
    expect(await page.textContent('.result')).toMatch(/^Reconciled in run #\d+: /);
    expect(h.remoteMembers()['drifty']).toEqual(['alice', 'bob']);
    expect(problems).toEqual([]);
  });

  it('pauses and resumes a group from its page', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('pp', 'P')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('pp', 'u1')`);
    await rs.apply({ groups: ['pp'] });
    const { page } = await consolePage();
    await rendered(page, '#/groups/pp');

    await page.click('button:has-text("Pause")');

    await page.waitForSelector('button:has-text("Resume")');
    expect((await rs.paused()).map((g) => g.groupId)).toContain('pp');
    await rendered(page, '#/paused');
    expect(await page.locator('td a', { hasText: 'pp' }).count()).toBe(1);
    await page.locator('tr', { has: page.locator('a[href="#/groups/pp"]') }).locator('button', { hasText: 'Resume' }).click();
    await page.waitForFunction(() => !document.querySelector('td a[href="#/groups/pp"]'));
    expect((await rs.paused()).map((g) => g.groupId)).not.toContain('pp');
  });

  it('refuses a browser without the token: the console goes to the login form, the API answers 401', async () => {
    const page = await browser.page();
    const res = await page.goto(server.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(res!.status()).toBe(200);
    expect(await page.isVisible('#token')).toBe(true);
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/status');
      return { status: r.status, body: await r.json() };
    });
    expect(api).toEqual({ status: 401, body: { error: 'unauthorized', message: expect.stringContaining('RONGSYNC_ADMIN_TOKEN') } });
    await page.fill('#token', 'wrong-token-of-some-length');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toBe('That is not the admin token.');
  });

  it('refuses everything with a clear page when no token is configured', async () => {
    const bare = createRongsync({ env: h.env });
    const closed = await createHttpServer(bare, null, { port: 0 });
    try {
      const page = await browser.page();
      const res = await page.goto(closed.url);
      expect(res!.status()).toBe(403);
      expect(await page.textContent('body')).toContain('set RONGSYNC_ADMIN_TOKEN');
    } finally {
      await closed.close();
      await bare.close();
    }
  });

  it('refuses a cross-site POST made with the logged-in user\'s cookie', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('target', 'T')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('target', 'u1')`);
    await rs.apply({ groups: ['target'] });
    // Another origin on the same host (another port): the same *site*, so the SameSite=Strict
    // cookie still goes along — only the origin check stands in the way.
    const evil: Server = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      if (req.url === '/form') res.end(`<form id="f" method="post" action="${server.url}api/groups/target/pause"></form><script>document.getElementById('f').submit()</script>`);
      else res.end('<p>an innocent page</p>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const { page } = await consolePage();
      const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
      const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/groups/target/pause')), page.goto(`${evilUrl}form`)]);
      expect(answer.status()).toBe(403);
      expect(await answer.json()).toMatchObject({ error: 'cross_site' });
      // And a script on that site, with the cookie, fares no better.
      await page.goto(evilUrl);
      const scripted = await page.evaluate(async (url) => {
        await fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' });
        return 'sent';
      }, `${server.url}api/groups/target/pause`);
      expect(scripted).toBe('sent');
      expect((await rs.paused()).map((g) => g.groupId)).not.toContain('target');
    } finally {
      await new Promise((r) => evil.close(r));
    }
  });

  it('shows hostile ids and names as text, with bidi and control characters escaped', async () => {
    const id = 'evil\u202egnp.exe';
    const name = '<img src=x onerror="window.pwned=1">\u202eRTL 東京チーム';
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, $2)`, [id, name]);
    await h.t.sql(`INSERT INTO group_members VALUES ($1, 'u<b>1</b>')`, [id]);
    await rs.plan(); // planned (refused: a bidi control in an id), never sent

    const { page, problems } = await consolePage();
    await rendered(page, `#/groups/${encodeURIComponent(id)}`);
    expect(await page.textContent('h1 bdi')).toBe('evil\\u202egnp.exe');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const shownName = await page.locator('table td bdi.data').first().textContent();
    expect(shownName).toBe('<img src=x onerror="window.pwned=1">\\u202eRTL 東京チーム');
    await rendered(page, '#/groups?search=evil');
    expect(await page.textContent('td.wide bdi')).toBe('evil\\u202egnp.exe');
    expect(problems).toEqual([]);
  });

  it('fits a phone (390 px) and 1280 px without sideways scrolling, long ids wrapping', async () => {
    const long = `team-${'x'.repeat(50)}-end`;
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, $2)`, [long, `${'名'.repeat(30)}`]);
    await h.t.sql(`INSERT INTO group_members VALUES ($1, $2)`, [long, `user-${'y'.repeat(55)}`]);
    await rs.apply({ groups: [long] });
    for (const width of [390, 1280]) {
      const { page, problems } = await consolePage({ width, height: 800 });
      for (const hash of ['#/', `#/groups/${encodeURIComponent(long)}`, '#/groups', '#/runs']) {
        await rendered(page, hash);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${hash} at ${width} px`).toBeLessThanOrEqual(0);
      }
      expect(problems).toEqual([]);
    }
  });
});
