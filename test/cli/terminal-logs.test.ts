// What a person at a terminal sees from `apply` (run in a pseudo-terminal), and what a machine
// reading its stderr gets: human log lines or none on a terminal, JSON lines otherwise.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { runInTerminal } from '../helpers/terminal.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'rongsync.js');

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await createHarness();
  // The harness silences logs; these tests are about them.
  const { LOG_LEVEL: _silent, ...rest } = h.env;
  env = { PATH: process.env['PATH'], HOME: process.env['HOME'], TERM: 'xterm', ...rest };
});
afterAll(() => h.close());

/** Gives the next `apply` something to do, so its report has a group in it. */
async function change(id: string): Promise<void> {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, 'Team')`, [id]);
  await h.t.sql(`INSERT INTO group_members VALUES ($1, 'alice')`, [id]);
}

const JSON_LINE = /\{"level":\d+/;

describe('logs of a one-shot command', () => {
  it('on a terminal: the report alone, no JSON and no info chatter above it', async () => {
    await change('t1');
    const r = await runInTerminal([process.execPath, BIN, 'apply'], { env });
    expect(r.code).toBe(0);
    expect(r.visible).toMatch(/^rongsync run #\d+ /); // the report is the first thing on screen
    expect(r.visible).toContain('t1');
    expect(r.visible).not.toMatch(JSON_LINE);
    expect(r.visible).not.toContain('reconcile run finished');
  });

  it('on a terminal with LOG_LEVEL=info: human log lines (local time, level, message), no JSON', async () => {
    await change('t2');
    const r = await runInTerminal([process.execPath, BIN, 'apply'], { env: { ...env, LOG_LEVEL: 'info', NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.visible).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: reconcile run finished \{"runId":\d+,"trigger":"manual","mode":"apply","status":"succeeded"/m);
    expect(r.visible).not.toMatch(JSON_LINE);
    expect(r.visible).not.toMatch(/"pid"|"hostname"|\x1b\[/);
  });

  it('on a terminal with LOG_FORMAT=json: JSON lines', async () => {
    await change('t3');
    const r = await runInTerminal([process.execPath, BIN, 'apply'], { env: { ...env, LOG_FORMAT: 'json' } });
    expect(r.code).toBe(0);
    expect(r.visible).toMatch(JSON_LINE);
  });

  it('not on a terminal: JSON lines on stderr, only the report on stdout', async () => {
    await change('t4');
    const { out, err } = await new Promise<{ out: string; err: string }>((done, fail) =>
      execFile(process.execPath, [BIN, 'apply'], { env }, (e, out, err) => (e ? fail(e) : done({ out, err }))),
    );
    expect(out).toMatch(/^rongsync run #\d+ /);
    expect(out).not.toMatch(JSON_LINE);
    const lines = err.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => l.msg)).toContain('reconcile run finished');
  });
});
