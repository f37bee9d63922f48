// The two faces of the logger: JSON lines for machines, human lines for a terminal — both with
// secrets redacted.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';

function captured() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { stream, text: () => text };
}

describe('createLogger', () => {
  it('writes JSON lines with level, time, message and fields; secrets redacted', () => {
    const out = captured();
    const log = createLogger({ destination: out.stream });
    log.info({ runId: 3, remote: { appSecret: 'hunter2' } }, 'reconcile run finished');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, name: 'rongsync', msg: 'reconcile run finished', runId: 3, remote: { appSecret: '[redacted]' } });
    expect(typeof line['time']).toBe('number');
  });

  it('writes human lines: local time, level, message, fields on one line; no pid or hostname', () => {
    const out = captured();
    const log = createLogger({ pretty: true, destination: out.stream });
    const before = new Date();
    log.warn({ rate: 50, targetRate: 100, remote: { appSecret: 'hunter2' } }, 'RongCloud is rate limiting');
    log.error({ err: new Error('connect ECONNREFUSED 127.0.0.1:5432'), runId: 7 }, 'reconcile run failed');
    const after = new Date();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    // Local time, not UTC (the hour may tick over between the two clocks read around the call).
    const hh = [before, after].map((d) => String(d.getHours()).padStart(2, '0')).join('|');
    expect(lines[0]).toMatch(new RegExp(`^\\[(${hh}):\\d\\d:\\d\\d\\.\\d{3}\\] WARN: RongCloud is rate limiting \\{"rate":50,"targetRate":100,"remote":\\{"appSecret":"\\[redacted\\]"\\}\\}$`));
    // An error is its message on the same line; its stack is left for LOG_LEVEL=debug.
    expect(lines[1]).toMatch(/^\[[\d:.]+\] ERROR: reconcile run failed: connect ECONNREFUSED 127\.0\.0\.1:5432 \{"runId":7\}$/);
    expect(out.text()).not.toMatch(/pid|hostname|rongsync|\x1b\[/);
  });

  it('shows the stack at debug, and colours the level when asked', () => {
    const out = captured();
    const log = createLogger({ pretty: true, color: true, level: 'debug', destination: out.stream });
    log.error({ err: new Error('boom') }, 'failed');
    expect(out.text()).toContain('\x1b[31mERROR\x1b[39m');
    expect(out.text()).toMatch(/Error: boom\n\s+at /);
  });
});
