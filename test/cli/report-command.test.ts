// `rongsync report` in-process: latest/by id, every format, --output, --list, and its errors.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { loadRunReport } from '../../src/report/load.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { HOSTILE_ID, insertFixtureRuns, type Fixture } from '../report/fixtures.js';

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'rongsync-report-'));
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (argv: string[]) => runCliCaptured(argv, { DATABASE_URL: t.url });

describe('rongsync report', () => {
  let f: Fixture;

  it('exits 1 with a clear message when no run was recorded', async () => {
    const r = await cli(['report']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^rongsync: no reconcile runs recorded yet: run `rongsync apply`/);
    expect(r.out).toBe('');
    const list = await cli(['report', '--list']);
    expect(list.code).toBe(1);
    expect(list.err).toContain('no reconcile runs recorded yet');
  });

  it('shows the latest finished run as text by default', async () => {
    f = await insertFixtureRuns(t.db.prisma);
    await t.db.prisma.run.create({ data: { trigger: 'change', mode: 'apply', startedAt: new Date('2027-01-01T00:00:00Z') } });
    const r = await cli(['report']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toBe(`rongsync run #${f.partialRunId}  manual · apply · partial`);
    expect(r.out).toContain('group g-b  members  fixed  (drift age 3m 12s)');
    expect(r.out).toContain('  error code: 1002');
  });

  it('shows a run by id', async () => {
    const r = await cli(['report', '--run', String(f.inSyncRunId)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`rongsync run #${f.inSyncRunId}  cron · detect · succeeded`);
    expect(r.out).toContain('in sync: all 120 group(s) checked matched RongCloud');
  });

  it('prints JSON equal to the loaded report', async () => {
    const r = await cli(['report', '--run', 'latest', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(await loadRunReport(t.db.prisma, f.partialRunId));
  });

  it('prints Markdown and HTML', async () => {
    const md = await cli(['report', '--format', 'md']);
    expect(md.code).toBe(0);
    expect(md.out).toContain('| g-b | members | **fixed** | u1, u2 | u9 |  | 3m 12s |  |');
    const html = await cli(['report', '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.out).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;co');
    expect(html.out).not.toContain(HOSTILE_ID);
  });

  it('writes to --output and says where', async () => {
    const file = join(dir, 'report.html');
    const r = await cli(['report', '--format', 'html', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote html report of run #${f.partialRunId} to ${file}\n`);
    expect(await readFile(file, 'utf8')).toMatch(/^<!doctype html>/);
    const bad = await cli(['report', '--output', join(dir, 'no-such-dir', 'r.txt')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^rongsync: --output: cannot write .*no-such-dir/);
  });

  it('exits 1 for a run that does not exist', async () => {
    const r = await cli(['report', '--run', '424242']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('rongsync: run 424242 not found (list runs with `rongsync report --list`)\n');
  });

  it('rejects an unknown format naming the flag and the allowed values', async () => {
    const r = await cli(['report', '--format', 'xml']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--format: "xml" is not a report format (use one of text, json, md, html');
    expect(r.out).toBe('');
  });

  it('rejects a non-numeric run naming the flag', async () => {
    for (const run of ['abc', '0', '-3', '1.5', '99999999999']) {
      const r = await cli(['report', '--run', run]);
      expect(r.code, run).toBe(1);
      expect(r.err, run).toContain(`--run: "${run}" is not a run id (use a positive integer or "latest"`);
    }
  });

  it('validates flags before needing the database', async () => {
    const r = await runCliCaptured(['report', '--format', 'pdf'], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain('--format: "pdf"');
    expect(r.err).not.toContain('DATABASE_URL');
  });

  it('--list prints recent runs one per line, newest first', async () => {
    const r = await cli(['report', '--list']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^#\d+ +2027-01-01 00:00:00 UTC +change +apply +running +— +checked 0 drifted 0/);
    expect(lines[1]).toMatch(
      new RegExp(`^#${f.partialRunId} +2026-11-25 10:00:00 UTC  manual  apply    partial  +3s  checked 40 drifted 5 fixed 2 failed 1$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^#${f.inSyncRunId} .* cron .* succeeded .*850ms  checked 120 drifted 0`));
    const limited = await cli(['report', '--list', '--limit', '1']);
    expect(limited.out.trimEnd().split('\n')).toHaveLength(1);
    const bad = await cli(['report', '--list', '--limit', 'all']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--limit: "all" is not a number of runs (use 1 to 1000');
  });
});
