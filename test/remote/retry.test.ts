// Signing, retries, failover and error classification, against the real emulator (faults) and,
// for answers it cannot give (bad JSON, header capture), a tiny real HTTP server.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import {
  ClientClosedError,
  MalformedResponseError,
  RateLimitError,
  RemoteError,
  TransportError,
} from '../../src/remote/errors.js';
import type { AttemptEvent } from '../../src/remote/group-client.js';
import { RateLimiter } from '../../src/remote/rate-limiter.js';
import { APP_SECRET, clientFor, deadUrl, emulator, json, rejection, tinyServer, type Emu } from './helpers.js';

let emu: Emu;
const errors: Error[] = []; // every error seen in this file, checked for the secret at the end

beforeAll(async () => {
  emu = await emulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

async function caught(p: Promise<unknown>): Promise<Error> {
  const e = await rejection(p);
  errors.push(e);
  return e;
}

const outcomes = (events: AttemptEvent[]) => events.map((e) => e.outcome);

describe('signing', () => {
  it('signs every attempt afresh: new nonce, current timestamp, sha1(secret+nonce+timestamp)', async () => {
    const srv = await tinyServer((n, _req, res) => (n < 3 ? json(res, 500, { code: 1000, errorMessage: 'boom' }) : json(res, 200, { code: 200 })));
    const { client, events } = clientFor(srv.url);
    try {
      const before = Date.now();
      await client.invite({ id: 'g1', memberIds: ['u1', 'u 2'] });
      expect(outcomes(events)).toEqual(['remote_error', 'remote_error', 'ok']);
      expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
      expect(srv.requests).toHaveLength(3);
      const nonces = new Set<string>();
      for (const r of srv.requests) {
        const h = r.headers;
        expect(r.path).toBe('/group/join.json');
        expect(h['app-key']).toBe('test-app-key');
        expect(h['content-type']).toBe('application/x-www-form-urlencoded');
        const nonce = String(h.nonce);
        expect(nonce.length).toBeGreaterThan(0);
        expect(nonce.length).toBeLessThanOrEqual(18);
        nonces.add(nonce);
        const ts = Number(h.timestamp);
        expect(ts).toBeGreaterThanOrEqual(before);
        expect(ts).toBeLessThanOrEqual(Date.now());
        expect(h.signature).toBe(createHash('sha1').update(APP_SECRET + nonce + String(h.timestamp)).digest('hex'));
        expect(r.body).toBe('userId=u1&userId=u+2&groupId=g1');
      }
      expect(nonces.size).toBe(3);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it('a wrong secret is RemoteError 1004 after exactly one attempt, and the message leaks no secret', async () => {
    const { client, events } = clientFor(emu.url, { appSecret: new Secret('wrong-secret-value') });
    try {
      const e = await caught(client.join({ id: 'g', memberId: 'u' }));
      expect(e).toBeInstanceOf(RemoteError);
      expect(e).toMatchObject({ code: 1004, httpStatus: 401, endpoint: '/group/join.json', groupId: 'g', attempts: 1 });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: 'remote_error', code: 1004, httpStatus: 401, attempt: 1 });
      expect(emu.counts().total).toBe(1);
      const text = `${e.message} ${inspect(e, { depth: 10 })} ${JSON.stringify(e)}`;
      expect(text).not.toContain('wrong-secret-value');
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toMatch(/[0-9a-f]{40}/); // no signature
    } finally {
      client.close();
    }
  });
});

describe('no retry for caller errors', () => {
  it('1002 (parameter error) is one attempt', async () => {
    const { client, events } = clientFor(emu.url);
    const e = await caught(client.refresh({ id: 'missing', name: 'x' }));
    expect(e).toMatchObject({ code: 1002, attempts: 1 });
    expect(events).toHaveLength(1);
    expect(emu.counts().total).toBe(1);
    client.close();
  });

  it('a code 1002 inside an HTTP 200 body is a RemoteError, not retried', async () => {
    const srv = await tinyServer((_n, _r, res) => json(res, 200, { code: 1002, errorMessage: 'groupId is required' }));
    const { client, events } = clientFor(srv.url);
    const e = await caught(client.quit({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({ code: 1002, httpStatus: 200, errorMessage: 'groupId is required' });
    expect(e.message).toContain('groupId is required');
    expect(srv.requests).toHaveLength(1);
    expect(events).toHaveLength(1);
    client.close();
    await srv.close();
  });

  it('a code 1000 inside an HTTP 200 body is retried', async () => {
    const srv = await tinyServer((n, _r, res) => json(res, 200, n === 1 ? { code: 1000, errorMessage: 'busy' } : { code: 200 }));
    const { client, events } = clientFor(srv.url);
    await client.quit({ id: 'g', memberId: 'u' });
    expect(outcomes(events)).toEqual(['remote_error', 'ok']);
    client.close();
    await srv.close();
  });
});

describe('malformed responses (never retried)', () => {
  it('a body that is not JSON', async () => {
    const srv = await tinyServer((_n, _r, res) => json(res, 200, '<html>hello</html>'));
    const { client, events } = clientFor(srv.url);
    const e = await caught(client.join({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(MalformedResponseError);
    expect(e.message).toContain('not JSON');
    expect(e.message).toContain('<html>hello</html>');
    expect(e).toMatchObject({ endpoint: '/group/join.json', groupId: 'g', httpStatus: 200 });
    expect(events).toHaveLength(1);
    client.close();
    await srv.close();
  });

  it('JSON that does not match the schema names the bad field', async () => {
    const srv = await tinyServer((_n, _r, res) => json(res, 200, { code: 200, users: [{ id: 'u1' }, { id: 7 }] }));
    const { client } = clientFor(srv.url);
    const e = await caught(client.getMembers({ id: 'g' }));
    expect(e).toBeInstanceOf(MalformedResponseError);
    expect(e.message).toContain('users[1].id');
    expect(srv.requests).toHaveLength(1);
    client.close();
    await srv.close();
  });

  it('a success body without the users field is malformed, never an empty member list', async () => {
    const srv = await tinyServer((_n, _r, res) => json(res, 200, { code: 200, members: [{ id: 'u1' }] }));
    const { client } = clientFor(srv.url);
    const e = await caught(client.getMembers({ id: 'g' }));
    expect(e).toBeInstanceOf(MalformedResponseError);
    expect(e.message).toContain('users');
    client.close();
    await srv.close();
  });

  it('a proxy’s non-JSON 502 page is transient (retried, fails over)', async () => {
    const srv = await tinyServer((n, _r, res) => (n === 1 ? json(res, 502, '<html>Bad Gateway</html>') : json(res, 200, { code: 200 })));
    const { client, events } = clientFor(srv.url);
    await client.join({ id: 'g', memberId: 'u' });
    expect(outcomes(events)).toEqual(['remote_error', 'ok']);
    expect(events[0]).toMatchObject({ httpStatus: 502 });
    client.close();
    await srv.close();
  });
});

describe('retries under injected faults', () => {
  it('HTTP 500 (code 1000): retried until it succeeds; every call lands', async () => {
    emu.setFaults({ errorRate: 0.5, errorStatus: 500 });
    const { client, events } = clientFor(emu.url, { maxRetries: 12 });
    const groups = Array.from({ length: 40 }, (_, i) => `g${i}`);
    await Promise.all(groups.map((id) => client.join({ id, memberId: 'u1' })));
    expect(Object.keys(emu.state().groups).sort()).toEqual([...groups].sort());
    const failed = events.filter((e) => e.outcome === 'remote_error');
    expect(failed.length).toBeGreaterThan(5);
    for (const f of failed) expect(f).toMatchObject({ httpStatus: 500, code: 1000 });
    expect(events.filter((e) => e.outcome === 'ok')).toHaveLength(40);
    expect(events.length).toBe(emu.counts().total);
    client.close();
  });

  it('HTTP 504 (code 1050) is retried; persistent failure ends in RemoteError after maxRetries+1 attempts', async () => {
    emu.setFaults({ errorRate: 1, errorStatus: 504 });
    const { client, events } = clientFor(emu.url, { maxRetries: 3 });
    const e = await caught(client.join({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({ code: 1050, httpStatus: 504, attempts: 4 });
    expect(events.map((x) => [x.attempt, x.outcome, x.code])).toEqual([
      [1, 'remote_error', 1050],
      [2, 'remote_error', 1050],
      [3, 'remote_error', 1050],
      [4, 'remote_error', 1050],
    ]);
    expect(emu.counts().total).toBe(4);
    client.close();
  });

  it('connection resets are TransportErrors, retried', async () => {
    emu.setFaults({ resetRate: 0.5 });
    const { client, events } = clientFor(emu.url, { maxRetries: 12 });
    const groups = Array.from({ length: 30 }, (_, i) => `r${i}`);
    await Promise.all(groups.map((id) => client.join({ id, memberId: 'u1' })));
    expect(Object.keys(emu.state().groups)).toHaveLength(30);
    const resets = events.filter((e) => e.outcome === 'transport_error');
    expect(resets.length).toBeGreaterThan(3);
    expect(resets[0]!.error).toMatch(/fetch failed|socket|ECONNRESET|other side closed/i);
    client.close();
  });

  it('persistent resets end in TransportError naming the host', async () => {
    emu.setFaults({ resetRate: 1 });
    const { client, events } = clientFor(emu.url, { maxRetries: 2 });
    const e = await caught(client.quit({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ timeout: false, host: emu.url, endpoint: '/group/quit.json', groupId: 'g', attempts: 3 });
    expect(e.message).toContain(emu.url);
    expect(events).toHaveLength(3);
    client.close();
  });

  it('timeouts (per attempt) are retried', async () => {
    emu.setFaults({ timeoutRate: 0.4 });
    const { client, events } = clientFor(emu.url, { maxRetries: 12, timeoutMs: 150 });
    const groups = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await Promise.all(groups.map((id) => client.join({ id, memberId: 'u1' })));
    expect(Object.keys(emu.state().groups)).toHaveLength(20);
    const timeouts = events.filter((e) => e.outcome === 'timeout');
    expect(timeouts.length).toBeGreaterThan(2);
    for (const t of timeouts) {
      expect(t.latencyMs).toBeGreaterThanOrEqual(140);
      expect(t.latencyMs).toBeLessThan(1000);
    }
    client.close();
  });

  it('persistent timeouts end in TransportError with timeout: true', async () => {
    emu.setFaults({ timeoutRate: 1 });
    const { client } = clientFor(emu.url, { maxRetries: 1, timeoutMs: 100 });
    const e = await caught(client.join({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ timeout: true, attempts: 2 });
    expect(e.message).toContain('no answer within 100 ms');
    client.close();
  });

  it('a body that stalls after the headers is a timeout too', async () => {
    const srv = await tinyServer((n, _r, res) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"code":'); // …and never the rest
      } else {
        json(res, 200, { code: 200 });
      }
    });
    const { client, events } = clientFor(srv.url, { timeoutMs: 150 });
    await client.join({ id: 'g', memberId: 'u' });
    expect(outcomes(events)).toEqual(['timeout', 'ok']);
    expect(events[0]!.error).toContain('HTTP 200 headers came, the body did not');
    expect(events[0]!.latencyMs).toBeGreaterThanOrEqual(140);
    client.close();
    await srv.close();
  });

  it('1008 / 429 with Retry-After: waits the given time, then succeeds; the limiter hears of it', async () => {
    emu.setFaults({ rateLimitBurst: { count: 2, retryAfterSeconds: 1 } });
    const { client, events } = clientFor(emu.url);
    const started = Date.now();
    await client.join({ id: 'g', memberId: 'u' });
    const elapsed = Date.now() - started;
    expect(outcomes(events)).toEqual(['rate_limited', 'rate_limited', 'ok']);
    expect(events[0]).toMatchObject({ httpStatus: 429, code: 1008 });
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(4000);
    const calls = emu.calls();
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(990);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(990);
    expect(client.limiter.stats().rateLimited).toBe(2);
    expect(client.limiter.stats().slowdowns).toBe(2); // a second apart: past the cooldown, so each halves
    expect(client.limiter.currentRate).toBeLessThan(client.limiter.targetRate);
    expect(emu.state().groups.g!.members).toEqual(['u']);
    client.close();
  });

  it('rate limited for longer than maxRetries allows: RateLimitError with retryAfterMs', async () => {
    emu.setFaults({ rateLimitBurst: { count: 5, retryAfterSeconds: 0 } });
    const { client } = clientFor(emu.url, { maxRetries: 2 });
    const e = await caught(client.join({ id: 'g', memberId: 'u' }));
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({ code: 1008, httpStatus: 429, retryAfterMs: 0, attempts: 3, kind: 'rate_limited' });
    client.close();
  });
});

describe('host failover', () => {
  it('moves to the next base URL when the first is dead, and stays on the healthy one', async () => {
    const dead = await deadUrl();
    const { client, events } = clientFor([dead, emu.url]);
    await client.join({ id: 'g1', memberId: 'u' });
    expect(events.map((e) => [e.host, e.attempt, e.outcome])).toEqual([
      [dead, 1, 'transport_error'],
      [emu.url, 2, 'ok'],
    ]);
    expect(events[0]!.error).toContain('ECONNREFUSED');
    expect(client.preferredHost).toBe(emu.url);
    events.length = 0;
    await client.join({ id: 'g2', memberId: 'u' });
    expect(events.map((e) => [e.host, e.attempt, e.outcome])).toEqual([[emu.url, 1, 'ok']]);
    client.close();
  });

  it('fails over on 5xx, and round-robins when every host is down', async () => {
    const bad = await emulator({ faults: { errorRate: 1, errorStatus: 503 } });
    const dead = await deadUrl();
    try {
      const a = clientFor([bad.url, emu.url]);
      await a.client.join({ id: 'g', memberId: 'u' });
      expect(a.events.map((e) => [e.host, e.outcome, e.httpStatus])).toEqual([
        [bad.url, 'remote_error', 503],
        [emu.url, 'ok', 200],
      ]);
      a.client.close();

      const b = clientFor([bad.url, dead], { maxRetries: 4 });
      const e = await caught(b.client.join({ id: 'g', memberId: 'u' }));
      expect(b.events.map((x) => x.host)).toEqual([bad.url, dead, bad.url, dead, bad.url]);
      expect(e).toBeInstanceOf(RemoteError); // the last attempt's error
      b.client.close();
    } finally {
      await bad.close();
    }
  });
  it('fails back to the first base URL: one probe per interval, preferred again once it answers', async () => {
    const first = await emulator({ faults: { errorRate: 1, errorStatus: 503 } });
    try {
      const { client, events } = clientFor([first.url, emu.url], { failbackMs: 500 });
      const hostsOf = async (id: string) => {
        events.length = 0;
        await client.join({ id, memberId: 'u' });
        return events.map((e) => [e.host === first.url ? 'first' : 'second', e.outcome]);
      };
      expect(await hostsOf('g1')).toEqual([['first', 'remote_error'], ['second', 'ok']]);
      expect(await hostsOf('g2')).toEqual([['second', 'ok']]); // stays off the failing host
      await new Promise((r) => setTimeout(r, 550));
      // The interval is over: one call probes the first host, still failing, and moves on at once.
      expect(await hostsOf('g3')).toEqual([['first', 'remote_error'], ['second', 'ok']]);
      expect(await hostsOf('g4')).toEqual([['second', 'ok']]);
      first.setFaults({});
      expect(await hostsOf('g5')).toEqual([['second', 'ok']]); // healed, but not probed before the interval
      await new Promise((r) => setTimeout(r, 550));
      expect(await hostsOf('g6')).toEqual([['first', 'ok']]);
      expect(client.preferredHost).toBe(first.url);
      expect(await hostsOf('g7')).toEqual([['first', 'ok']]);
      client.close();
    } finally {
      await first.close();
    }
  });
  it('a slow call finishing on the backup does not undo a successful failback', async () => {
    const first = await emulator({ faults: { errorRate: 1, errorStatus: 503 } });
    const backup = await emulator({ faults: { latencyMs: 600 } });
    try {
      const { client, events } = clientFor([first.url, backup.url], { failbackMs: 100 });
      await client.join({ id: 'g1', memberId: 'u' }); // fails over to the (slow) backup
      expect(client.preferredHost).toBe(backup.url);
      first.setFaults({});
      const slow = client.join({ id: 'g2', memberId: 'u' }); // starts on the backup, answers in 600 ms
      await new Promise((r) => setTimeout(r, 150));
      await client.join({ id: 'g3', memberId: 'u' }); // the failback probe: the first host answers
      expect(client.preferredHost).toBe(first.url);
      await slow;
      expect(client.preferredHost).toBe(first.url);
      events.length = 0;
      await client.join({ id: 'g4', memberId: 'u' });
      expect(events.map((e) => e.host)).toEqual([first.url]);
      client.close();
    } finally {
      await first.close();
      await backup.close();
    }
  });
});

describe('close()', () => {
  it('calls queued on a shared limiter send nothing once their client is closed', async () => {
    const limiter = new RateLimiter({ ratePerSecond: 20, concurrency: 4 });
    const { client } = clientFor(emu.url, { limiter });
    const calls = Array.from({ length: 20 }, (_, i) => client.kick({ id: `k${i}`, memberIds: ['u'] }).then(() => 'ok', (e: unknown) => e));
    await new Promise((r) => setTimeout(r, 120)); // a few calls have gone out
    client.close();
    const sentAtClose = emu.calls().length;
    const outcomes = await Promise.all(calls);
    await new Promise((r) => setTimeout(r, 300));
    // Nothing that was still waiting for the limiter went out after close(): at most the 4 calls
    // already on the wire (the concurrency cap) arrive late. Before the fix all 20 were sent.
    const sent = emu.calls().length;
    expect(sent).toBeLessThanOrEqual(sentAtClose + 4);
    const closed = outcomes.filter((o) => o instanceof ClientClosedError).length;
    expect(closed).toBe(20 - outcomes.filter((o) => o === 'ok').length);
    expect(closed).toBeGreaterThanOrEqual(20 - sent);
    expect(closed).toBeGreaterThan(10);
    limiter.close();
  });

  it('rejects a call waiting in backoff with ClientClosedError', async () => {
    emu.setFaults({ rateLimitBurst: { count: 1, retryAfterSeconds: 30 } });
    const { client } = clientFor(emu.url);
    const p = caught(client.join({ id: 'g', memberId: 'u' }));
    await new Promise((r) => setTimeout(r, 100));
    client.close();
    const e = await p;
    expect(e).toBeInstanceOf(ClientClosedError);
    await expect(client.join({ id: 'g', memberId: 'u' })).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('secrets', () => {
  it('no error seen in this file contains the secret or a signature', () => {
    expect(errors.length).toBeGreaterThan(10);
    for (const e of errors) {
      const text = `${e.message}\n${e.stack}\n${inspect(e, { depth: 10 })}\n${JSON.stringify(e)}`;
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toMatch(/[0-9a-f]{40}/);
    }
  });
});
