// The HTML report as a person sees it, in headless Chromium: a real run's report with an
// 80-character unbroken name, a 64-character id, CJK names, failed calls, invalid rows and the
// deletion guard fits a 1280 px window with every column visible, shows the guard's message once,
// keeps short ids whole, loads nothing from outside, and on a phone never scrolls sideways
// (the drift table scrolls inside its own box, with readable columns).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { renderReport } from '../../src/report/index.js';
import type { RunReport } from '../../src/report/types.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import type { Harness } from '../helpers/reconcile.js';
import { CJK, LONG_ID, LONG_NAME, createStressReport } from './stress-report.js';

let h: Harness;
let report: RunReport;
let html: string;
let browser: TestBrowser;
beforeAll(async () => {
  ({ h, report } = await createStressReport());
  html = renderReport(report, 'html');
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Opens the report at `width` px; fails the test if the page asks for anything outside itself. */
async function open(width: number): Promise<Page> {
  const page = await browser.page({ viewport: { width, height: 800 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.setContent(html, { waitUntil: 'load' });
  expect(requests).toEqual([]);
  return page;
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the stress report (made by a real run)', () => {
  it('has what the layout must cope with', () => {
    const kinds = new Set(report.items.map((i) => `${i.kind}/${i.outcome}`));
    expect(kinds).toEqual(new Set(['missing_group/fixed', 'members/failed', 'members/blocked', 'invalid/skipped']));
    expect(report.items.find((i) => i.groupId === 'long-name')?.desiredName).toBe(LONG_NAME);
    expect(LONG_NAME).toHaveLength(80);
    expect(report.items.some((i) => i.groupId === LONG_ID)).toBe(true);
    expect(report.blocked?.reason).toContain('--allow-deletes');
    // The run copies the guard's message into every blocked group's reason.
    expect(report.items.filter((i) => i.reason?.includes(report.blocked!.reason))).toHaveLength(4);
  });
});

describe('html report in Chromium', () => {
  it('fits a 1280 px window: no sideways scroll, every column of every row inside the viewport', async () => {
    const page = await open(1280);
    const m = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      headers: [...document.querySelectorAll('table.items th')].map((th) => th.textContent),
      cells: [...document.querySelectorAll('table.items th, table.items td')].map((c) => {
        const r = c.getBoundingClientRect();
        return { left: r.left, right: r.right };
      }),
      innerScroll: [...document.querySelectorAll('.scroll')].map((s) => s.scrollWidth - s.clientWidth),
    }));
    expect(m.scrollWidth).toBeLessThanOrEqual(1280);
    expect(m.headers).toEqual(['Group', 'Kind', 'Outcome', 'Missing', 'Extra', 'Name', 'Drift age', 'Reason / error']);
    expect(m.cells.length).toBe(8 * (report.items.length + 1));
    for (const c of m.cells) {
      expect(c.left).toBeGreaterThanOrEqual(0);
      expect(c.right).toBeLessThanOrEqual(1280);
    }
    expect(m.innerScroll.every((extra) => extra <= 0)).toBe(true);
  });

  it('shows the deletion guard once, above the table, and not again in the blocked rows', async () => {
    const page = await open(1280);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it (CSS applied), which textContent is not
    const text = await page.evaluate(() => document.body.innerText);
    expect(count(text, 'this plan would remove')).toBe(1);
    expect(count(text, '--allow-deletes')).toBe(1);
    expect(count(text, 'mass-deletion guard: this plan')).toBe(0); // the label is not repeated inside
    const notice = await page.evaluate(() => {
      const n = document.querySelector('.notice.guard');
      const table = document.querySelector('table.items');
      // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it (CSS applied), which textContent is not
      return n && table ? { text: (n as HTMLElement).innerText, above: n.getBoundingClientRect().bottom <= table.getBoundingClientRect().top } : null;
    });
    expect(notice?.above).toBe(true);
    expect(notice?.text).toMatch(/^Deletion guard: this plan would remove 20 of \d+ observed memberships/);
    const blockedRows = await page.evaluate(() =>
      [...document.querySelectorAll('table.items tr')].filter((tr) => tr.querySelector('.o-blocked')).map((tr) => tr.lastElementChild?.textContent),
    );
    expect(blockedRows).toEqual(Array(4).fill('removals held by the mass-deletion guard'));
  });

  it('keeps short ids on one line and wraps long unbroken values inside their cells', async () => {
    const page = await open(1280);
    const ids = await page.evaluate(() =>
      [...document.querySelectorAll('table.items .id')].map((s) => ({ text: s.textContent ?? '', long: s.classList.contains('long'), lines: s.getClientRects().length })),
    );
    const short = ids.filter((i) => !i.long);
    expect(short.map((i) => i.text)).toEqual(expect.arrayContaining(['team-1', 'jp-sales', 'user-2', 'carol', '张伟']));
    for (const i of short) expect(i.lines, i.text).toBe(1);
    // The 64-character id and the 39-character user id do wrap, inside their columns.
    expect(ids.find((i) => i.text === LONG_ID)?.lines).toBeGreaterThan(1);
    const nameCell = await page.evaluate((name) => {
      const td = [...document.querySelectorAll('table.items td')].find((c) => c.textContent?.includes(name));
      return td ? td.getBoundingClientRect().width : -1;
    }, LONG_NAME);
    expect(nameCell).toBeGreaterThan(0);
    expect(nameCell).toBeLessThan(400);
  });

  it('shows the CJK names in a font stack that has CJK faces', async () => {
    const page = await open(1280);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it (CSS applied), which textContent is not
    const text = await page.evaluate(() => document.body.innerText);
    for (const name of Object.values(CJK)) expect(text).toContain(name);
    const family = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(family).toMatch(/PingFang SC/);
    expect(family).toMatch(/Microsoft YaHei/);
    expect(family).toMatch(/Noto Sans CJK SC/);
  });

  it('on a 390 px phone: the page does not scroll sideways; the drift table scrolls in its box, columns readable', async () => {
    const page = await open(390);
    const m = await page.evaluate(() => {
      const box = document.querySelector('table.items')!.parentElement!;
      const outside = [...document.body.querySelectorAll('*')].filter((e) => !e.closest('.scroll'));
      return {
        scrollWidth: document.documentElement.scrollWidth,
        overflowX: getComputedStyle(box).overflowX,
        boxRight: box.getBoundingClientRect().right,
        boxScrolls: box.scrollWidth > box.clientWidth,
        widestOutside: Math.max(...outside.map((e) => e.getBoundingClientRect().right)),
        columnWidths: [...document.querySelectorAll('table.items th')].map((th) => th.getBoundingClientRect().width),
      };
    });
    expect(m.scrollWidth).toBeLessThanOrEqual(390);
    expect(m.widestOutside).toBeLessThanOrEqual(390);
    expect(m.overflowX).toBe('auto');
    expect(m.boxRight).toBeLessThanOrEqual(390);
    expect(m.boxScrolls).toBe(true);
    for (const w of m.columnWidths) expect(w).toBeGreaterThanOrEqual(60);
  });
});
