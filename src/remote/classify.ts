// What one RongCloud answer means for the call: success, or a failure with whether to retry, fail
// over to the next host, and how long RongCloud asked us to wait. Pure (status, body, header in;
// a decision out), so the whole policy is one table in test/remote/classify.test.ts; the transport
// only does the I/O around it.
import type { z } from 'zod';
import {
  isRateLimited,
  isServerFailure,
  isServerSide,
  MalformedResponseError,
  RateLimitError,
  RemoteError,
  type RemoteEdgeError,
  type RemoteErrorContext,
} from './errors.js';
import { describeZodError, envelopeSchema } from './schemas.js';

export type AttemptOutcome = 'ok' | 'remote_error' | 'rate_limited' | 'transport_error' | 'timeout';

export type Attempt =
  | { kind: 'ok'; data: unknown; httpStatus: number }
  | { kind: 'fail'; error: RemoteEdgeError; outcome: AttemptOutcome; retry: boolean; failover: boolean; retryAfterMs?: number; httpStatus?: number; code?: number };

export interface Answer {
  status: number;
  text: string;
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
  /** The endpoint's own success schema. */
  schema: z.ZodType;
  ctx: RemoteErrorContext;
  host: string;
}

export function classifyAnswer({ status, text, retryAfter, schema, ctx, host }: Answer): Attempt {
  const retryAfterMs = parseRetryAfter(retryAfter);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return notAnEnvelope(ctx, host, status, text, retryAfterMs, cause);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    if (isServerSide(status) || isRateLimited(status)) return notAnEnvelope(ctx, host, status, text, retryAfterMs, envelope.error);
    const error = new MalformedResponseError({ ...ctx, httpStatus: status, host, problem: describeZodError(envelope.error), body: text });
    return { kind: 'fail', error, outcome: 'remote_error', retry: false, failover: false, httpStatus: status };
  }
  const { code, errorMessage } = envelope.data;

  if (code === 200 && status === 200) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return { kind: 'ok', data: parsed.data, httpStatus: status };
    const error = new MalformedResponseError({ ...ctx, httpStatus: status, host, problem: describeZodError(parsed.error), body: text });
    return { kind: 'fail', error, outcome: 'remote_error', retry: false, failover: false, httpStatus: status, code };
  }

  const base = { ...ctx, code, httpStatus: status, errorMessage, host };
  if (isRateLimited(status, code)) {
    const error = new RateLimitError({ ...base, retryAfterMs });
    return { kind: 'fail', error, outcome: 'rate_limited', retry: true, failover: false, httpStatus: status, code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  const serverSide = isServerSide(status);
  const error = new RemoteError(base);
  return {
    kind: 'fail',
    error,
    outcome: 'remote_error',
    retry: isServerFailure(status, code),
    failover: serverSide,
    httpStatus: status,
    code,
    ...(serverSide && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** A body that is not a RongCloud envelope: a proxy/load-balancer page on 5xx/429 is transient; otherwise malformed. */
function notAnEnvelope(ctx: RemoteErrorContext, host: string, status: number, text: string, retryAfterMs: number | undefined, cause: unknown): Attempt {
  if (isRateLimited(status)) {
    const error = new RateLimitError({ ...ctx, code: undefined, httpStatus: status, errorMessage: undefined, host, retryAfterMs });
    return { kind: 'fail', error, outcome: 'rate_limited', retry: true, failover: false, httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (isServerSide(status)) {
    const error = new RemoteError({ ...ctx, code: undefined, httpStatus: status, errorMessage: snippet(text), host });
    return { kind: 'fail', error, outcome: 'remote_error', retry: true, failover: true, httpStatus: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  const problem = cause instanceof SyntaxError ? `not JSON (${cause.message})` : cause instanceof Error ? cause.message : 'not a RongCloud body';
  const error = new MalformedResponseError({ ...ctx, httpStatus: status, host, problem, body: text }, { cause });
  return { kind: 'fail', error, outcome: 'remote_error', retry: false, failover: false, httpStatus: status };
}

function snippet(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return t.length > 120 ? `${t.slice(0, 120)}…` : t;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  return undefined;
}
