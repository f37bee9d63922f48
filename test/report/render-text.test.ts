// The text report: header, counts, calls, guard and one block per drifted group, ≤ 80 columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import type { RunReport } from '../../src/report/types.js';
import type { TestDatabase } from '../helpers/database.js';
import { HOSTILE_ID, createFixtureReports } from './fixtures.js';

let t: TestDatabase;
let partial: RunReport;
let inSync: RunReport;
beforeAll(async () => {
  ({ t, partial, inSync } = await createFixtureReports());
});
afterAll(() => t.drop());

/** The block of lines that starts with `group <id> `, up to the next blank line. */
function block(text: string, groupId: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`group ${groupId}  `));
  expect(start, `block for ${groupId}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('text report', () => {
  it('starts with the run header and the counts', () => {
    const lines = renderReport(partial, 'text').split('\n');
    expect(lines[0]).toBe(`rongsync run #${partial.runId}  manual · apply · partial`);
    expect(lines[1]).toBe('started   2026-11-25 10:00:00 UTC');
    expect(lines[2]).toBe('finished  2026-11-25 10:00:03 UTC  (took 3s)');
    expect(lines).toContain('groups    checked 40 · in sync 35 · drifted 5');
    expect(lines).toContain('outcomes  fixed 2 · failed 1 · unreconcilable 1 · quarantined 0 · unknown 1');
  });

  it('lists calls by endpoint with ok first and codes last', () => {
    const lines = renderReport(partial, 'text').split('\n');
    expect(lines).toContain('  /group/join.json     ok 3  rate_limited 1  1002 1');
    expect(lines).toContain('  /group/quit.json     ok 2');
  });

  it('shows the guard message when deletions were held back', () => {
    const text = renderReport(partial, 'text');
    expect(text).toMatch(/^GUARD +held back 1200 deletion\(s\) \(48\.2% of the memberships looked at\): over$/m);
    expect(inSync.blocked).toBeNull();
    expect(renderReport(inSync, 'text')).not.toContain('GUARD');
  });

  it('renders one block per drifted group', () => {
    const text = renderReport(partial, 'text');
    expect(block(text, 'g-b')).toEqual([
      'group g-b  members  fixed  (drift age 3m 12s)',
      '  + missing: u1, u2',
      '  - extra: u9',
    ]);
    expect(block(text, 'g-a')).toEqual(['group g-a  name  fixed  (drift age 2d 4h)', '  name: "Old" → "New"']);
    expect(block(text, HOSTILE_ID)).toEqual([
      `group ${HOSTILE_ID}  failed  failed  (drift age 45s)`,
      '  + missing: u<1>',
      '  reason: group too busy & "locked"',
      '  error code: 1002',
    ]);
    const big = block(text, 'g-big');
    expect(big[0]).toBe('group g-big  members  blocked  (drift age <1s)');
    expect(big.join(' ')).toMatch(/- extra: x00, x01, .* x19 … and 25 more/);
  });

  it('lists the groups in the loaded order (kind, then group id)', () => {
    const starts = renderReport(partial, 'text')
      .split('\n')
      .filter((l) => l.startsWith('group '))
      .map((l) => l.split('  ')[0]);
    expect(starts).toEqual(['group g-b', 'group g-big', 'group g-a', 'group pipe|tick`', `group ${HOSTILE_ID}`]);
  });

  it('fits an 80-column terminal', () => {
    for (const line of renderReport(partial, 'text').split('\n')) {
      expect(line.length, line).toBeLessThanOrEqual(80);
    }
  });

  it('says an in-sync run is in sync in one line', () => {
    const text = renderReport(inSync, 'text');
    expect(text).toContain('\nin sync: all 120 group(s) checked matched RongCloud\n');
    expect(text).not.toMatch(/^group /m);
  });

  it('neutralises control characters in app data', () => {
    const evil: RunReport = {
      ...partial,
      error: 'boom\nrongsync run #1 forged',
      items: [{ ...partial.items[0]!, groupId: 'g\u001b[2J', reason: 'a\r\nb' }],
    };
    const text = renderReport(evil, 'text');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('group g\\x1b[2J  members');
    expect(text).toContain('error     boom\\x0arongsync run #1 forged');
    expect(text).toContain('  reason: a\\x0d\\x0ab');
  });

  it('says when a run is still in progress or failed before comparing', () => {
    const running: RunReport = { ...inSync, status: 'running', finishedAt: null, durationMs: null };
    expect(renderReport(running, 'text')).toContain('finished  — (still running)');
    expect(renderReport(running, 'text')).toContain('no drift recorded yet (run still in progress)');
    const failed: RunReport = { ...inSync, status: 'failed', error: 'remote unreachable' };
    expect(renderReport(failed, 'text')).toContain('error     remote unreachable');
  });
});
