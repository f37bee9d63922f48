// Makes docs/console.png: the console's overview at 1280 px over a small fleet brought into
// different conditions by real runs against the emulator (in sync, drifted behind rongsync's back,
// paused, quarantined, refused by the id rules, deletions held by the guard). The console is served
// by a leader in detect mode (RONGSYNC_MODE=detect: it reports and never writes), so the drift stays
// on screen; a leader in apply mode would converge it right after the verification read. Only the
// last hour of call history is illustrative — rows written straight into the call log, spread over
// the hour with a 1008 burst — because real runs here all happen within the same minute.
//
//   npx tsx test/http/screenshot.ts [docs/console.png]
import { createHttpServer } from '../../src/http/server.js';
import { createRongsync } from '../../src/rongsync.js';
import { launchBrowser } from '../helpers/browser.js';
import { createHarness } from '../helpers/reconcile.js';

const out = process.argv[2] ?? 'docs/console.png';
const TOKEN = 'screenshot-admin-token-0123456789';

const h = await createHarness({ RONGSYNC_QUARANTINE_AFTER: '1', RONGSYNC_MAX_DELETES: '3', RONGSYNC_MAX_DELETE_SHARE: '1' });
const rs = createRongsync({ env: h.env, config: { RONGSYNC_ADMIN_TOKEN: TOKEN } });
try {
  const team = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  const groups: Array<[string, string, string[]]> = [
    ['eng-platform', 'Platform engineering', team('u-eng-', 14)],
    ['design-tokyo', 'デザインチーム 東京', team('u-dsn-', 6)],
    ['support-cn', '客服二组（上海）', team('u-sup-', 9)],
    ['sales-emea', 'Sales EMEA', team('u-sal-', 8)],
    ['ops-oncall', 'Ops on-call', team('u-ops-', 5)],
    ['finance-apac', 'Finance APAC', team('u-fin-', 4)],
    ['partners-2027', 'Partner programme 2027', team('u-par-', 12)],
    ['marketing', 'Marketing', team('u-mkt-', 7)],
    ['legal', 'Legal', team('u-leg-', 3)],
    ['hr-announcements', 'HR announcements', team('u-hr-', 11)],
  ];
  for (const [id, name, members] of groups) {
    await h.t.sql('INSERT INTO groups (id, name) VALUES ($1, $2)', [id, name]);
    await h.t.sql('INSERT INTO group_members (group_id, user_id) SELECT $1, unnest($2::text[])', [id, members]);
  }
  await rs.apply();

  // Paused, and the app changed it since.
  await rs.pause(['ops-oncall']);
  await h.t.sql(`INSERT INTO group_members VALUES ('ops-oncall', 'u-ops-006')`);
  // Quarantined: RongCloud refuses its calls.
  await h.t.sql(`INSERT INTO group_members VALUES ('finance-apac', 'u-fin-005')`);
  h.emulator.setFaults({ errorRate: 1, errorStatus: 400, paths: ['/group/join.json', '/group/sync.json'] });
  await rs.apply();
  h.emulator.setFaults({});
  // A name RongCloud would refuse (over 60 UTF-16 units).
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('all-hands', $1)`, [`All hands — ${'quarterly review and planning '.repeat(3)}`]);
  await h.t.sql(`INSERT INTO group_members VALUES ('all-hands', 'u-eng-001')`);
  // Deletions over the guard (RONGSYNC_MAX_DELETES=3): held until approved.
  await h.t.sql(`DELETE FROM group_members WHERE group_id = 'partners-2027' AND user_id > 'u-par-007'`);
  await rs.apply();
  // Drifted behind rongsync's back (a member removed by another client), found by a verification read.
  await h.stranger.kick({ id: 'sales-emea', memberIds: ['u-sal-003'] });
  await rs.plan({ groups: ['sales-emea'] });

  // Illustrative call history: ~40 calls a minute over the hour, a 1008 burst 20 minutes ago.
  await h.t.sql(`
    INSERT INTO rongsync_remote_calls (at, endpoint, group_id, host, attempt, outcome, code, http_status, latency_ms)
    SELECT now() - m * interval '1 minute' - (k % 60) * interval '1 second',
           (ARRAY['/group/join.json', '/group/quit.json', '/group/user/query.json'])[1 + k % 3], NULL, 'https://api.rong-api.com', 1,
           CASE WHEN m BETWEEN 18 AND 21 AND k % 4 = 0 THEN 'rate_limited' WHEN k % 97 = 0 THEN 'timeout' ELSE 'ok' END,
           CASE WHEN m BETWEEN 18 AND 21 AND k % 4 = 0 THEN 1008 WHEN k % 97 = 0 THEN NULL ELSE 200 END, 200, 40 + k % 50
      FROM generate_series(1, 59) m, generate_series(1, (25 + 20 * sin(m / 6.0) + (m * 7) % 11)::int) k`);

  const observer = createRongsync({ env: h.env, config: { RONGSYNC_ADMIN_TOKEN: TOKEN, RONGSYNC_MODE: 'detect' } });
  const service = await observer.serve();
  const server = await createHttpServer(observer, service, { port: 0 });
  const browser = await launchBrowser();
  try {
    const page = await browser.page({ viewport: { width: 1280, height: 900 } });
    await page.goto(server.url);
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(server.url), page.click('button[type=submit]')]);
    await page.waitForSelector('li[data-condition="in_sync"]');
    await page.waitForFunction(() => document.getElementById('live')?.textContent?.startsWith('live'));
    await page.waitForFunction(() => document.getElementById('role')?.textContent === 'leader');
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
    await server.close();
    await observer.close();
  }
} finally {
  await rs.close();
  await h.close();
}
