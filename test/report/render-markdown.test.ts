// The Markdown report: heading, counts table, calls table, drifted-groups table with escaping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { escapeMarkdown } from '../../src/report/render-markdown.js';
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

/** Splits a GFM table row into cells, honouring `\|`. */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /);
}

describe('markdown report', () => {
  it('has a heading and a counts table', () => {
    const lines = renderReport(partial, 'md').split('\n');
    expect(lines[0]).toBe(`# rongsync run #${partial.runId}: partial`);
    const at = lines.indexOf('| checked | in sync | drifted | fixed | failed | unreconcilable | quarantined | unknown |');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toBe('| 40 | 35 | 5 | 2 | 1 | 1 | 0 | 1 |');
  });

  it('has a calls table, one row per endpoint and outcome', () => {
    const lines = renderReport(partial, 'md').split('\n');
    const rows = lines.filter((l) => l.startsWith('| /group/'));
    expect(rows).toEqual([
      '| /group/join.json | ok | 3 |',
      '| /group/join.json | rate\\_limited | 1 |',
      '| /group/join.json | 1002 | 1 |',
      '| /group/quit.json | ok | 2 |',
      '| /group/refresh.json | ok | 1 |',
    ]);
  });

  it('has one drifted-group row per item, each with the header\'s column count', () => {
    const md = renderReport(partial, 'md');
    const lines = md.split('\n');
    const header = lines.indexOf('| group | kind | outcome | missing | extra | name | drift age | reason / error |');
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 2, header + 2 + partial.items.length);
    for (const row of rows) expect(cells(row)).toHaveLength(8);
    expect(cells(rows[0]!)).toEqual(['g-b', 'members', '**fixed**', 'u1, u2', 'u9', '', '3m 12s', '']);
    expect(cells(rows[2]!)).toEqual(['g-a', 'name', '**fixed**', '', '', '"Old" → "New"', '2d 4h', '']);
    expect(cells(rows[1]!)[4]).toBe('x00, x01, x02, x03, x04, x05, x06, x07, x08, x09 … and 35 more');
    expect(lines[header + 2 + partial.items.length]).toBe('');
  });

  it('escapes pipes, backticks and HTML in ids, names and reasons', () => {
    const md = renderReport(partial, 'md');
    expect(md).toContain('| pipe\\|tick\\` | unknown | **skipped** |  |  | "A\\|B" | 1m 30s | getMembers timed out |');
    expect(md).toContain(
      '| \\<script\\>alert("x")\\</script\\>\\&co | failed | **failed** | u\\<1\\> |  |  | 45s | group too busy \\& "locked"; code 1002 |',
    );
    expect(md).not.toContain('<script>');
    expect(escapeMarkdown('a\nb|c')).toBe('a\\\\x0ab\\|c'); // the newline shown as an escape (it used to become a space)
  });

  it('shows the guard as a quote and says when everything is in sync', () => {
    expect(renderReport(partial, 'md')).toMatch(/^> \*\*Deletion guard:\*\* held back 1200 deletion\(s\) \(48\.2% /m);
    const md = renderReport(inSync, 'md');
    expect(md).toContain('## Drifted groups (0)\n\nAll 120 group(s) checked matched RongCloud.');
    expect(md).not.toContain('Deletion guard');
  });
});
