// Bidirectional controls in app data never reach a reader raw: an RLO (U+202E) in a group id would
// visibly reverse the rest of the line, an isolate or a mark could make two ids look alike. Text
// and Markdown show them as escapes; HTML escapes them too and isolates every id, name and member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import type { RunReport } from '../../src/report/types.js';
import type { TestDatabase } from '../helpers/database.js';
import { createFixtureReports } from './fixtures.js';

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let t: TestDatabase;
let evil: RunReport;
beforeAll(async () => {
  const { t: db, partial } = await createFixtureReports();
  t = db;
  evil = {
    ...partial,
    error: 'run stopped at group \u202egnp.exe',
    items: [
      {
        ...partial.items[0]!,
        groupId: 'team\u202e1-lanif',
        missingMembers: ['u\u2066x', 'אב', '12'],
        extraMembers: ['u\u200fy'],
        desiredName: 'New \u202bname',
        remoteName: 'Old\u061c',
        reason: 'user id "a\u2067b" is bad',
      },
    ],
  };
});
afterAll(() => t.drop());

describe('bidi controls in reports', () => {
  it('text: shown as \\uNNNN escapes', () => {
    const text = renderReport(evil, 'text');
    expect(text).not.toMatch(BIDI);
    expect(text).toContain('group team\\u202e1-lanif  ');
    expect(text).toContain('+ missing: u\\u2066x, אב, 12');
    expect(text).toContain('- extra: u\\u200fy');
    expect(text).toContain('name: "Old\\u061c" → "New \\u202bname"');
    expect(text).toContain('reason: user id "a\\u2067b" is bad');
    expect(text).toContain('run stopped at group \\u202egnp.exe');
  });

  it('markdown: shown as escapes that render as written (the backslash itself escaped)', () => {
    const md = renderReport(evil, 'md');
    expect(md).not.toMatch(BIDI);
    expect(md).toContain('| team\\\\u202e1-lanif |');
    expect(md).toContain('u\\\\u2066x, אב, 12');
    expect(md).toContain('"Old\\\\u061c" → "New \\\\u202bname"');
    expect(md).toContain('user id "a\\\\u2067b" is bad');
  });

  it('html: escaped, and every id, name and member isolated in its own <bdi>', () => {
    const html = renderReport(evil, 'html');
    expect(html).not.toMatch(BIDI);
    expect(html).toContain('<td><bdi class="id">team\\u202e1-lanif</bdi></td>');
    // A right-to-left member next to a number: isolated, the list keeps its order on screen.
    expect(html).toContain('<span class="plus">+&nbsp;<bdi class="id">u\\u2066x</bdi>, <bdi class="id">אב</bdi>, <bdi class="id">12</bdi></span>');
    expect(html).toContain('<span class="minus">−&nbsp;<bdi class="id">u\\u200fy</bdi></span>');
    expect(html).toContain('“<bdi>Old\\u061c</bdi>” → “<bdi>New \\u202bname</bdi>”');
    expect(html).toContain('user id &#34;a\\u2067b&#34; is bad');
    expect(html).toContain('run stopped at group \\u202egnp.exe');
  });
});
