// The HTML report: one self-contained page, every database value escaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { escapeHtml } from '../../src/report/render-html.js';
import type { RunReport } from '../../src/report/types.js';
import type { TestDatabase } from '../helpers/database.js';
import { createFixtureReports } from './fixtures.js';

let t: TestDatabase;
let partial: RunReport;
let inSync: RunReport;
beforeAll(async () => {
  ({ t, partial, inSync } = await createFixtureReports());
});
afterAll(() => t.drop());

/** The <tr> of the items table whose first cell is `idHtml` (already escaped; isolated in a <bdi>). */
function row(html: string, idHtml: string): string {
  const m = html.match(new RegExp(`<tr><td><bdi class="id(?: long)?">${idHtml.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</bdi></td>.*?</tr>`));
  expect(m, idHtml).not.toBeNull();
  return m![0];
}

describe('html report', () => {
  it('is one self-contained page: inline CSS, no scripts, no external assets', () => {
    const html = renderReport(partial, 'html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toContain(`<title>rongsync run #${partial.runId}: partial</title>`);
  });

  it('escapes a hostile group id, members, names and reasons', () => {
    const html = renderReport(partial, 'html');
    const r = row(html, '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;co');
    expect(r).toContain('+&nbsp;<bdi class="id">u&#60;1&#62;</bdi>');
    expect(r).toContain('group too busy &#38; &#34;locked&#34;<br><code>code 1002</code>');
    expect(r).toContain('<span class="badge o-failed">failed</span>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('&co');
    expect(escapeHtml(`<a href='x'>&amp;</a>`)).toBe('&#60;a href=&#39;x&#39;&#62;&#38;amp;&#60;/a&#62;');
  });

  it('shows the counts as cards', () => {
    const html = renderReport(partial, 'html');
    expect(html).toContain('<div class="card"><div class="n">40</div><div class="l">checked</div></div>');
    expect(html).toContain('<div class="card warn"><div class="n">5</div><div class="l">drifted</div></div>');
    expect(html).toContain('<div class="card bad"><div class="n">1</div><div class="l">failed</div></div>');
    expect(html).toContain('<div class="card"><div class="n">0</div><div class="l">quarantined</div></div>');
  });

  it('has a row per drift item with members, name, age and a coloured outcome', () => {
    const html = renderReport(partial, 'html');
    expect(html.match(/<tr><td><bdi class="id/g)).toHaveLength(partial.items.length);
    const gb = row(html, 'g-b');
    expect(gb).toContain('<span class="badge o-fixed">fixed</span>');
    expect(gb).toContain('<span class="plus">+&nbsp;<bdi class="id">u1</bdi>, <bdi class="id">u2</bdi></span>');
    expect(gb).toContain('<span class="minus">−&nbsp;<bdi class="id">u9</bdi></span>');
    expect(gb).toContain('>3m 12s</td>');
    expect(row(html, 'g-a')).toContain('“<bdi>Old</bdi>” → “<bdi>New</bdi>”');
    expect(row(html, 'g-a')).toContain('>2d 4h</td>');
    expect(row(html, 'g-big')).toContain('<span class="more">… and 15 more</span>');
    expect(row(html, 'g-big')).toContain('<span class="badge o-blocked">blocked</span>');
  });

  it('shows the guard, the calls, and the in-sync line', () => {
    const html = renderReport(partial, 'html');
    expect(html).toContain('<strong>Deletion guard:</strong> held back 1200 deletion(s) (48.2% ');
    expect(html).toContain(
      '<tr><td><code>/group/join.json</code></td><td class="num">5</td><td><span class="ok">ok&nbsp;3</span> · ' +
        '<span class="notok">rate_limited&nbsp;1</span> · <span class="notok">1002&nbsp;1</span></td></tr>',
    );
    const ok = renderReport(inSync, 'html');
    expect(ok).toContain('<p>In sync: all 120 group(s) checked matched RongCloud.</p>');
    expect(ok).not.toContain('Deletion guard');
  });

  it('keeps database values out of class names', () => {
    const evil: RunReport = { ...partial, status: 'x" onmouseover="y' as RunReport['status'] };
    const html = renderReport(evil, 'html');
    expect(html).toContain('class="badge s-xonmouseovery"');
    expect(html).not.toContain('onmouseover="y');
  });
});
