// The transport's answer policy as a decision table: for each (HTTP status, body, Retry-After) the
// outcome, whether the call is retried, whether it fails over to the next host, the error class
// and the wait RongCloud asked for.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyAnswer, parseRetryAfter } from '../../src/remote/classify.js';
import { MalformedResponseError, RateLimitError, RemoteError } from '../../src/remote/errors.js';

const schema = z.object({ code: z.literal(200), users: z.array(z.object({ id: z.string() })) });
const ok = JSON.stringify({ code: 200, users: [{ id: 'u1' }] });
const env = (code: number, msg = 'm') => JSON.stringify({ code, errorMessage: msg });

type Row = [what: string, status: number, text: string, retryAfter: string | null, expected: { kind: 'ok' } | { outcome: string; retry: boolean; failover: boolean; error: new (...a: never[]) => Error; code?: number; retryAfterMs?: number }];

const table: Row[] = [
  ['success', 200, ok, null, { kind: 'ok' }],
  ['success envelope, body not the endpoint shape', 200, JSON.stringify({ code: 200, users: 'x' }), null, { outcome: 'remote_error', retry: false, failover: false, error: MalformedResponseError, code: 200 }],
  ['code 200 with HTTP 500', 500, env(200), null, { outcome: 'remote_error', retry: true, failover: true, error: RemoteError, code: 200 }],
  ['1008 on HTTP 429 with Retry-After', 429, env(1008), '2', { outcome: 'rate_limited', retry: true, failover: false, error: RateLimitError, code: 1008, retryAfterMs: 2000 }],
  ['1008 on HTTP 200', 200, env(1008), null, { outcome: 'rate_limited', retry: true, failover: false, error: RateLimitError, code: 1008 }],
  ['429 from a proxy, HTML body', 429, '<html>slow down</html>', '1', { outcome: 'rate_limited', retry: true, failover: false, error: RateLimitError, retryAfterMs: 1000 }],
  ['1000 internal error on HTTP 500', 500, env(1000), null, { outcome: 'remote_error', retry: true, failover: true, error: RemoteError, code: 1000 }],
  ['1050 on HTTP 200: retried on the same host', 200, env(1050), null, { outcome: 'remote_error', retry: true, failover: false, error: RemoteError, code: 1050 }],
  ['502 from a load balancer, HTML body', 502, '<html>Bad Gateway</html>', null, { outcome: 'remote_error', retry: true, failover: true, error: RemoteError }],
  ['503 with Retry-After, empty body', 503, '', '3', { outcome: 'remote_error', retry: true, failover: true, error: RemoteError, retryAfterMs: 3000 }],
  ['1002 bad parameter: never retried', 400, env(1002), null, { outcome: 'remote_error', retry: false, failover: false, error: RemoteError, code: 1002 }],
  ['1004 bad signature: never retried', 401, env(1004), null, { outcome: 'remote_error', retry: false, failover: false, error: RemoteError, code: 1004 }],
  ['Retry-After on a 4xx is ignored', 400, env(1002), '5', { outcome: 'remote_error', retry: false, failover: false, error: RemoteError, code: 1002 }],
  ['not JSON on HTTP 200', 200, 'hello', null, { outcome: 'remote_error', retry: false, failover: false, error: MalformedResponseError }],
  ['JSON without a code on HTTP 200', 200, '{"users":[]}', null, { outcome: 'remote_error', retry: false, failover: false, error: MalformedResponseError }],
];

describe('classifyAnswer', () => {
  it.each(table)('%s', (_what, status, text, retryAfter, expected) => {
    const a = classifyAnswer({ status, text, retryAfter, schema, ctx: { endpoint: '/group/user/query.json' }, host: 'https://api.example' });
    if ('kind' in expected) {
      expect(a).toEqual({ kind: 'ok', data: { code: 200, users: [{ id: 'u1' }] }, httpStatus: 200 });
      return;
    }
    if (a.kind !== 'fail') throw new Error(`expected a failure, got ${JSON.stringify(a)}`);
    expect({ outcome: a.outcome, retry: a.retry, failover: a.failover, code: a.code, retryAfterMs: a.retryAfterMs, httpStatus: a.httpStatus }).toEqual({
      outcome: expected.outcome,
      retry: expected.retry,
      failover: expected.failover,
      code: expected.code,
      retryAfterMs: expected.retryAfterMs,
      httpStatus: status,
    });
    expect(a.error).toBeInstanceOf(expected.error);
    // A RateLimitError is a RemoteError too; the table names the most specific class.
    if (expected.error === RemoteError) expect(a.error).not.toBeInstanceOf(RateLimitError);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['1.5', 1500],
    ['-3', 0],
    ['soon', undefined],
  ] as const)('%j → %j ms', (header, ms) => expect(parseRetryAfter(header)).toBe(ms));

  it('an HTTP date is the time until then', () => {
    const ms = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())!;
    expect(ms).toBeGreaterThan(8_000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });
});
