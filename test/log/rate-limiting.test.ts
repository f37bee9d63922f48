// RongCloud's rate limiting reaches the operator's log: a warn line with the rate rongsync slowed
// down to, and not one line per 1008 — a burst is one line, then a tally every interval, and
// every 1008 is counted in some line. Real client, real emulator with a low rate limit.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/logger.js';
import { RATE_LOG_INTERVAL_MS, logRateLimiting } from '../../src/log/rate-limiting.js';
import { GroupClient } from '../../src/remote/group-client.js';
import { RateLimiter } from '../../src/remote/rate-limiter.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

interface Line {
  level: number;
  msg: string;
  code?: number;
  answers?: number;
  rate?: number;
  targetRate?: number;
}

function jsonLog() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const logger = createLogger({ level: 'info', destination: stream });
  return { logger, lines: () => text.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) };
}

let t: TestDatabase;
let emulator: Emulator;
beforeAll(async () => {
  t = await createTestDatabase();
  emulator = await startEmulator({ appKey: 'k', appSecret: 's', port: 0, rateLimitPerSecond: 20 });
});
afterAll(async () => {
  await emulator.close();
  await t.drop();
});

describe('rate limiting in the log', () => {
  it('a burst of 1008s is a few warn lines with the slowed rate, counting every 1008', async () => {
    const config = loadConfig({
      DATABASE_URL: t.url,
      RONGCLOUD_APP_KEY: 'k',
      RONGCLOUD_APP_SECRET: 's',
      RONGCLOUD_API_URL: emulator.url,
      RONGCLOUD_RATE_LIMIT: '200', // ten times what this "RongCloud" allows
      RONGCLOUD_CONCURRENCY: '32',
      RONGCLOUD_MAX_RETRIES: '20',
    });
    const log = jsonLog();
    const client = GroupClient.fromConfig(config);
    const stopRateLog = logRateLimiting(client.limiter, log.logger);
    const started = Date.now();
    try {
      await Promise.all(Array.from({ length: 80 }, (_, i) => client.join({ id: `g${i}`, memberId: `u${i}` })));
    } finally {
      stopRateLog(); // logs the tally still held back
      client.close();
    }
    const elapsed = Date.now() - started;
    const refused = emulator.calls().filter((c) => c.code === 1008).length;
    expect(refused).toBeGreaterThan(5);

    const warns = log.lines().filter((l) => l.level === 40);
    expect(warns.length).toBeGreaterThanOrEqual(1);
    // One line at once, at most one per interval after it, and the tally at close.
    expect(warns.length).toBeLessThanOrEqual(2 + Math.floor(elapsed / RATE_LOG_INTERVAL_MS));
    expect(warns.length).toBeLessThan(refused);
    expect(warns.reduce((n, l) => n + (l.answers ?? 0), 0)).toBe(refused);
    expect(warns[0]).toMatchObject({ code: 1008, answers: 1, rate: 100, targetRate: 200 });
    expect(warns[0]!.msg).toBe('RongCloud is rate limiting (1008): calls slowed down to 100/s (configured 200/s)');
    expect(warns.at(-1)!.rate).toBeLessThan(100);
  }, 60_000);

  it('logs the return to the configured rate once, after the tally of the burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 100, now: () => now });
    const log = jsonLog();
    const stop = logRateLimiting(limiter, log.logger, 60_000);
    limiter.onRateLimited();
    limiter.onRateLimited();
    now = 1000; // the cooldown is over: the next 1008 halves again
    limiter.onRateLimited();
    now = 120_000;
    void limiter.currentRate;
    void limiter.currentRate;
    stop();
    expect(log.lines().map((l) => [l.level, l.msg, l.answers])).toEqual([
      [40, 'RongCloud is rate limiting (1008): calls slowed down to 50/s (configured 100/s)', 1],
      [40, 'RongCloud is rate limiting (1008): calls slowed down to 25/s (configured 100/s)', 2],
      [30, 'RongCloud rate limiting over: calls back to the configured 100/s', undefined],
    ]);
    limiter.onRateLimited(); // unsubscribed: nothing more
    expect(log.lines()).toHaveLength(3);
  });
});
