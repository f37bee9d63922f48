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
    const list = await cli(['report', 'list']);
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
    expect(r.err).toBe('rongsync: run 424242 not found (list runs with `rongsync report list`)\n');
  });

  it('rejects an unknown format naming the flag and the allowed values', async () => {
    const r = await cli(['report', '--format', 'xml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, md, html.\n");
    expect(r.out).toBe('');
  });

  it('rejects a non-numeric run naming the flag', async () => {
    for (const run of ['abc', '0', '-3', '1.5', '99999999999']) {
      const r = await cli(['report', '--run', run]);
      expect(r.code, run).toBe(1);
      expect(r.err, run).toBe(`error: option '--run <id>' argument '${run}' is invalid. not a run id (use a positive integer or "latest", e.g. --run 42)\n`);
    }
  });

  it('validates flags before needing the database', async () => {
    const r = await runCliCaptured(['report', '--format', 'pdf'], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain("argument 'pdf' is invalid");
    expect(r.err).not.toContain('DATABASE_URL');
  });

  it('report list prints a header and recent runs, newest first', async () => {
    const r = await cli(['report', 'list']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^RUN +STARTED +TRIGGER +MODE +STATUS +TOOK +CHECKED +DRIFTED +FIXED +FAILED +ERROR$/);
    expect(lines[1]).toMatch(/^#\d+ +2027-01-01 00:00:00 UTC +change +apply +running +— +0 +0 +0 +0$/);
    expect(lines[2]).toMatch(new RegExp(`^#${f.partialRunId} +2026-11-25 10:00:00 UTC +manual +apply +partial +3s +40 +5 +2 +1$`));
    expect(lines[3]).toMatch(new RegExp(`^#${f.inSyncRunId} .* cron +detect +succeeded +850ms +120 +0 +0 +0$`));
    // Columns line up: every row has its STATUS where the header has it.
    const at = lines[0]!.indexOf('STATUS');
    for (const l of lines.slice(1)) expect(l.slice(at)).toMatch(/^(running|partial|succeeded) /);
    const limited = await cli(['report', 'list', '--limit', '1']);
    expect(limited.out.trimEnd().split('\n')).toHaveLength(2);
  });

  it('report list hides plan and --dry-run runs unless --include-plans; filters by --trigger and --status', async () => {
    const at = (iso: string) => new Date(iso);
    const plan = await t.db.prisma.run.create({ data: { trigger: 'manual', mode: 'detect', status: 'succeeded', startedAt: at('2027-01-02T00:00:00Z'), finishedAt: at('2027-01-02T00:00:01Z'), durationMs: 1000 } });
    const dry = await t.db.prisma.run.create({ data: { trigger: 'manual', mode: 'dry-run', status: 'succeeded', startedAt: at('2027-01-03T00:00:00Z'), finishedAt: at('2027-01-03T00:00:01Z'), durationMs: 1000 } });
    const failed = await t.db.prisma.run.create({
      data: { trigger: 'cron', mode: 'apply', status: 'failed', startedAt: at('2026-12-01T00:00:00Z'), finishedAt: at('2026-12-01T00:00:02Z'), durationMs: 2000, error: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
    const ids = (out: string) => out.trimEnd().split('\n').slice(1).map((l) => Number(l.split(' ')[0]!.slice(1)));

    const list = await cli(['report', 'list']);
    expect(ids(list.out)).not.toContain(plan.id);
    expect(ids(list.out)).not.toContain(dry.id);
    expect(ids(list.out)).toContain(f.inSyncRunId); // a cron run in detect mode is a service's output, not a preview
    const all = await cli(['report', 'list', '--include-plans']);
    expect(ids(all.out).slice(0, 2)).toEqual([dry.id, plan.id]);

    expect(ids((await cli(['report', 'list', '--trigger', 'cron'])).out)).toEqual([failed.id, f.inSyncRunId]);
    const bad = await cli(['report', 'list', '--status', 'failed']);
    expect(ids(bad.out)).toEqual([failed.id]);
    expect(bad.out.split('\n')[1]).toMatch(/ failed +2s +0 +0 +0 +0 {2}connect ECONNREFUSED 127\.0\.0\.1:5432$/);
    expect(ids((await cli(['report', 'list', '--trigger', 'change', '--status', 'running'])).out)).toHaveLength(1);

    const none = await cli(['report', 'list', '--trigger', 'manual', '--status', 'failed']);
    expect(none).toEqual({ code: 0, out: 'no runs match --trigger manual --status failed; plan and --dry-run runs are hidden without --include-plans\n', err: '' });
  });

  it('report list validates its filters before needing the database', async () => {
    const noDb = (argv: string[]) => runCliCaptured(argv, {});
    const limit = await noDb(['report', 'list', '--limit', 'all']);
    expect(limit.code).toBe(1);
    expect(limit.err).toBe("error: option '--limit <n>' argument 'all' is invalid. not a number of runs (use 1 to 1000, e.g. --limit 20)\n");
    for (const n of ['0', '1001', '-1', '2.5']) expect((await noDb(['report', 'list', '--limit', n])).code, n).toBe(1);
    const trigger = await noDb(['report', 'list', '--trigger', 'hourly']);
    expect(trigger.code).toBe(1);
    expect(trigger.err).toBe("error: option '--trigger <trigger>' argument 'hourly' is invalid. Allowed choices are change, cron, manual.\n");
    const status = await noDb(['report', 'list', '--status', 'ok']);
    expect(status.err).toContain('Allowed choices are running, succeeded, partial, failed, aborted, interrupted.');
    // The filters belong to `list`; the old `--list` flag names the new spelling.
    const withoutList = await noDb(['report', '--status', 'failed']);
    expect(withoutList.code).toBe(1);
    expect(withoutList.err).toContain("unknown option '--status'");
    const oldSpelling = await noDb(['report', '--list']);
    expect(oldSpelling).toEqual({ code: 1, out: '', err: 'rongsync: `report --list` is now `rongsync report list` (with --limit, --trigger, --status, --include-plans)\n' });
    expect(oldSpelling.err).not.toContain('DATABASE_URL');
  });
});
