// Progress of a long run: a live line redrawn in place on a terminal (a pseudo-terminal here), one
// `info` log line every ~10 s elsewhere and in `serve`. Runs are made long by a low rate limit
// (RONGCLOUD_RATE_LIMIT), never by asserting how fast anything is.
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProgressMeter, progressText } from '../../src/cli/progress.js';
import type { RunProgress } from '../../src/reconcile/progress.js';
import { emptyCallCounts } from '../../src/reconcile/plan/tally.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { runInTerminal } from '../helpers/terminal.js';
import { waitFor } from '../helpers/wait.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'rongsync.js');

let h: Harness;
let env: NodeJS.ProcessEnv;
const children: CliProcess[] = [];
beforeAll(async () => {
  h = await createHarness();
  const { LOG_LEVEL: _silent, ...rest } = h.env;
  env = { PATH: process.env['PATH'], HOME: process.env['HOME'], TERM: 'xterm', ...rest };
});
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  await h.close();
});
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

/** `n` new groups with one member each: n create calls. */
async function groups(n: number, prefix = 'p'): Promise<void> {
  await h.t.sql(`INSERT INTO groups (id, name) SELECT '${prefix}' || i, 'P' || i FROM generate_series(1, ${n}) i`);
  await h.t.sql(`INSERT INTO group_members SELECT '${prefix}' || i, 'u${prefix}' || i FROM generate_series(1, ${n}) i`);
}

const PROGRESS_LINE = /apply {2}groups ~?\d+\/\d+ · calls \d+\/~?\d+ · (…|[\d.]+)\/s · (time left unknown|\d+\S* left|\d+m \d+s left|finishing|done)/;

describe('on a terminal', () => {
  it('apply redraws one progress line in place, erases it, and ends with the tally and the verdict', async () => {
    await groups(12);
    // 12 creates at 4 calls/s: about three seconds, so the line (shown after one second) is drawn.
    const r = await runInTerminal([process.execPath, BIN, 'apply'], { env: { ...env, RONGCLOUD_RATE_LIMIT: '4', NO_COLOR: '1' }, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    // Drawn: carriage return + erase line, then the figures — several times, each over the last.
    const frames = r.screen.split('\r\x1b[K').filter((f) => PROGRESS_LINE.test(f));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.some((f) => /calls [1-9]\d*\/12 /.test(f))).toBe(true);
    expect(frames.every((f) => !f.includes('\n'))).toBe(true);
    // Gone from what the person sees: the report starts the screen, the tally and verdict end it.
    expect(r.visible).not.toMatch(PROGRESS_LINE);
    expect(r.visible).toMatch(/^rongsync run #\d+ /);
    const lines = r.visible.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^Apply complete: 12 groups created \(12 members\), 0 members invited, 0 kicked, 0 renamed, 0 dismissed — 12 calls in \d/);
    expect(lines.at(-1)).toBe('In sync: RongCloud matches the tables.');
    // NO_COLOR: no colour at all (the only escape is the erase-line of the progress line).
    expect(r.screen.replace(/\x1b\[K/g, '')).not.toContain('\x1b[');
  }, 90_000);

  it('colour on a terminal; FORCE_COLOR=0 turns it off', async () => {
    await groups(1, 'c');
    const coloured = await runInTerminal([process.execPath, BIN, 'plan'], { env });
    expect(coloured.code).toBe(2);
    expect(coloured.screen).toContain('\x1b[1mPlan:\x1b[22m');
    await groups(1, 'd');
    const plain = await runInTerminal([process.execPath, BIN, 'plan'], { env: { ...env, FORCE_COLOR: '0' } });
    // (A slow machine may draw the progress line: its erase-line is no colour.)
    expect(plain.screen.replace(/\x1b\[K/g, '')).not.toContain('\x1b[');
  }, 60_000);
});

describe('not on a terminal', () => {
  it('apply logs one progress line every ~10 s, and its report stays clean on stdout', async () => {
    await groups(60);
    // 60 creates at 4 calls/s: about fifteen seconds.
    const apply = startCli(['apply'], { ...h.env, RONGCLOUD_RATE_LIMIT: '4' });
    children.push(apply);
    expect(await apply.exited()).toBe(0);
    const lines = apply.log.map((l) => JSON.parse(l) as { msg: string; level: number; groups?: unknown; calls?: { done: number; total: number }; rate?: number | null; etaMs?: number | null });
    const progress = lines.filter((l) => l.msg.startsWith('run in progress: '));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ level: 30, groups: { total: 60 }, calls: { total: 60 } });
    expect(progress[0]!.calls!.done).toBeGreaterThan(0);
    expect(progress[0]!.rate).toBeGreaterThan(0);
    expect(progress[0]!.msg).toMatch(/^run in progress: groups ~?\d+\/60 · calls \d+\/60 · [\d.]+\/s · /);
    expect(apply.out()).not.toContain('run in progress');
    expect(apply.out().trimEnd().split('\n').at(-1)).toBe('In sync: RongCloud matches the tables.');
  }, 90_000);

  it('serve logs the progress of a long run', async () => {
    await groups(60, 's');
    const serve = startCli(['serve'], { ...h.env, RONGCLOUD_RATE_LIMIT: '4', RONGSYNC_CRON: '0 0 1 1 *' });
    children.push(serve);
    const [line] = await waitFor(() => (serve.logged('run in progress: ').length > 0 ? serve.logged('run in progress: ') : null), 'a progress line from serve', 60_000);
    expect(JSON.parse(line!)).toMatchObject({ level: 30, groups: { total: 60 }, mode: 'apply' });
    serve.child.kill('SIGTERM');
    expect(await serve.exited()).toBe(0);
  }, 90_000);
});

describe('the figures', () => {
  const at = (over: Partial<RunProgress>): RunProgress => ({
    runId: 1,
    trigger: 'manual',
    mode: 'apply',
    startedAt: new Date(0),
    groups: { total: 2000, started: 1000, done: 0 },
    calls: { planned: 1000, done: 0, failed: 0 },
    applied: emptyCallCounts(),
    finished: false,
    ...over,
  });

  it('rate over the window, time left at that rate, calls of batches not started estimated', () => {
    const m = new ProgressMeter(10_000);
    m.observe(at({}));
    m.figures(at({}), 0);
    const f = m.figures(at({ calls: { planned: 1000, done: 480, failed: 20 } }), 5000);
    expect(f.rate).toBe(100);
    // 1000 calls for the first 1000 groups: ~1000 more for the other 1000; 1500 left at 100/s.
    expect(f.calls).toEqual({ finished: 500, failed: 20, total: 2000, estimated: true });
    expect(f.etaMs).toBe(15_000);
    // Half the batch's calls made: half its groups counted, as an estimate.
    expect(f.groups).toEqual({ done: 500, total: 2000, estimated: true });
    expect(progressText(f)).toBe('groups ~500/2,000 · calls 500/~2,000 (20 failed) · 100/s · 15s left');
  });

  it('no rate before half a second of samples; done at the end', () => {
    const m = new ProgressMeter();
    expect(progressText(m.figures(at({}), 0))).toBe('groups 0/2,000 · calls 0/~2,000 · …/s · time left unknown');
    const end = at({ groups: { total: 2000, started: 2000, done: 2000 }, calls: { planned: 2000, done: 2000, failed: 0 }, finished: true });
    expect(progressText(m.figures(end, 20_000))).toBe('groups 2,000/2,000 · calls 2,000/2,000 · 100/s · done');
  });
});
