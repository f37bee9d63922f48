// One signed POST to RongCloud, with the retry, failover and rate-limit policy around it.
//
// ky does the HTTP (retry: 0); the attempt loop is ours, because what matters is per attempt: a
// fresh signature, one pass through the shared limiter, one AttemptEvent, and a choice of host.
//
// Policy
// - Retried (capped exponential backoff with full jitter): network errors, timeouts, HTTP 5xx,
//   code 1000/1050, and rate limiting (1008 / 429, waiting at least `Retry-After`).
// - Never retried: other 4xx / codes (1001, 1002, 1004, 1005, 15xx…) and malformed bodies — a
//   retry cannot fix them. The group endpoints are idempotent set operations (join an existing
//   member, quit a non-member, sync the whole list), so retrying a POST whose answer was lost is safe.
// - Failover: after a network error, timeout or 5xx the next attempt goes to the next base URL
//   (round-robin); a host that answers becomes the preferred one for every later call. Trying a
//   host this call has not tried yet happens at once; only going round again waits the backoff.
// - Failback: while calls run on a later host, one call per `failbackMs` starts on the first one
//   again (the configured order is the operator's preference, e.g. the main RongCloud domain over
//   its backup). If it answers it is preferred again; if not, that call moves on at once, so a
//   still-dead first host costs one failed attempt per interval.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import ky, { TimeoutError, type KyInstance } from 'ky';
import type { z } from 'zod';
import type { Secret } from '../config/secret.js';
import { classifyAnswer, type Attempt, type AttemptOutcome } from './classify.js';
import { ClientClosedError, TransportError, type RemoteErrorContext } from './errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { signHeaders } from './sign.js';

export interface AttemptEvent {
  /** e.g. '/group/join.json' */
  endpoint: string;
  groupId?: string;
  userId?: string;
  /** Base URL the attempt went to. */
  host: string;
  /** 1-based. */
  attempt: number;
  outcome: AttemptOutcome;
  httpStatus?: number;
  code?: number;
  latencyMs: number;
  /** The error message of a failed attempt (never contains the secret). */
  error?: string;
}

export interface TransportOptions {
  appKey: string;
  appSecret: Secret;
  /** Base URLs in failover order. */
  apiUrls: string[];
  /** Per attempt, covering connect, headers and body. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 5 */
  maxRetries?: number;
  /** First backoff ceiling; doubles per attempt. @default 200 */
  retryBaseMs?: number;
  /** Largest backoff ceiling. @default 10000 */
  retryMaxMs?: number;
  /** A `Retry-After` longer than this is not waited for: the RateLimitError is thrown. @default 60000 */
  maxRetryAfterMs?: number;
  /** After failing over, how long until one call tries the first base URL again. @default 60000 */
  failbackMs?: number;
  limiter: RateLimiter;
  /** Called once per HTTP attempt. An exception thrown here propagates to the caller. */
  onAttempt?: ((e: AttemptEvent) => void) | undefined;
  /** The fetch ky uses (tests, proxies). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** One attempt's result, classified. */
export class Transport {
  readonly #o: Required<Omit<TransportOptions, 'onAttempt' | 'fetch'>> & Pick<TransportOptions, 'onAttempt'>;
  readonly #hosts: string[];
  readonly #ky: KyInstance;
  readonly #closing = new AbortController();
  /** Index of the host the next call starts on: the last one that answered. */
  #preferred = 0;
  /** When a call last started on the first host (or the preference left it). */
  #lastFirstHostTry = 0;

  constructor(options: TransportOptions) {
    if (options.apiUrls.length === 0) throw new RangeError('apiUrls must hold at least one base URL');
    this.#hosts = options.apiUrls.map((u) => u.replace(/\/+$/, ''));
    setMaxListeners(0, this.#closing.signal); // one listener per call waiting in backoff
    this.#o = {
      appKey: options.appKey,
      appSecret: options.appSecret,
      apiUrls: this.#hosts,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 5,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      failbackMs: options.failbackMs ?? 60_000,
      limiter: options.limiter,
      onAttempt: options.onAttempt,
    };
    this.#ky = ky.create({
      retry: 0,
      timeout: options.timeoutMs ?? 10_000,
      throwHttpErrors: false,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** The host calls currently start on. */
  get preferredHost(): string {
    return this.#hosts[this.#preferred]!;
  }

  /**
   * Ends retries: calls waiting in backoff or for the limiter, and every later call, fail with
   * ClientClosedError and send nothing more. An attempt already on the wire runs to its answer or
   * its timeout: if it succeeded its call resolves (the remote applied it), otherwise it fails with
   * ClientClosedError.
   */
  close(): void {
    this.#closing.abort();
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** POSTs `params` to `endpoint`, retrying per the policy; resolves with the body parsed by `schema`. */
  async post<T>(endpoint: string, params: URLSearchParams, schema: z.ZodType<T>, ctx: Omit<RemoteErrorContext, 'endpoint'> = {}): Promise<T> {
    const ectx: RemoteErrorContext = { endpoint, ...ctx };
    const body = params.toString();
    const tried = new Set<number>();
    let hostIndex = this.#startHost();
    const startIndex = hostIndex;
    const maxAttempts = this.#o.maxRetries + 1;

    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new ClientClosedError(ectx);
      tried.add(hostIndex);
      const host = this.#hosts[hostIndex]!;
      let started = 0;
      const result = await this.#o.limiter
        .run(async () => {
          // close() while this call waited for the (possibly shared) limiter: send nothing.
          if (this.closed) throw new ClientClosedError(ectx);
          started = performance.now();
          return this.#attempt(host, endpoint, body, schema, ectx);
        })
        .catch((e: unknown) => {
          if (this.closed || e instanceof ClientClosedError) throw new ClientClosedError(ectx);
          throw e;
        });
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;

      this.#emit({
        endpoint,
        ...(ctx.groupId !== undefined ? { groupId: ctx.groupId } : {}),
        ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
        host,
        attempt,
        outcome: result.kind === 'ok' ? 'ok' : result.outcome,
        ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
        ...(result.kind === 'fail' && result.code !== undefined ? { code: result.code } : {}),
        ...(result.kind === 'ok' ? { code: 200 } : {}),
        latencyMs,
        ...(result.kind === 'fail' ? { error: result.error.message } : {}),
      });

      if (result.kind === 'ok') {
        // Remember a healthy host — when this call found it by failing over, or it is the first
        // host (a failback probe). A call that simply succeeded where it started must not move the
        // preference: it may have started on the backup before a probe brought the first host back.
        if (hostIndex !== startIndex || hostIndex === 0) this.#preferred = hostIndex;
        return result.data as T;
      }

      const { error } = result;
      if ('attempts' in error) (error as { attempts: number }).attempts = attempt;
      if (this.closed) throw new ClientClosedError(ectx);
      // Every 1008 slows the shared limiter, the last one of a call included.
      if (result.outcome === 'rate_limited') this.#o.limiter.onRateLimited();
      if (!result.retry || attempt >= maxAttempts) throw error;

      let delayMs: number;
      if (result.failover && this.#hosts.length > 1) {
        const next = (hostIndex + 1) % this.#hosts.length;
        // Move the shared preference off the failing host (unless another call already did).
        if (this.#preferred === hostIndex) {
          this.#preferred = next;
          if (hostIndex === 0) this.#lastFirstHostTry = performance.now();
        }
        hostIndex = next;
        delayMs = tried.has(next) ? this.#backoff(attempt) : 0;
      } else {
        delayMs = this.#backoff(attempt);
      }
      if (result.retryAfterMs !== undefined) {
        if (result.retryAfterMs > this.#o.maxRetryAfterMs) throw error;
        // Honour Retry-After, plus a little jitter so the retries of one burst do not re-collide.
        delayMs = result.retryAfterMs + Math.random() * Math.min(this.#o.retryBaseMs, result.retryAfterMs / 10 + 1);
      }
      await sleep(Math.max(0, delayMs), undefined, { signal: this.#closing.signal }).catch(() => {
        throw new ClientClosedError(ectx);
      });
    }
  }

  /** The preferred host, or the first one when its failback probe is due (one call per interval). */
  #startHost(): number {
    if (this.#preferred === 0) return 0;
    const now = performance.now();
    if (now - this.#lastFirstHostTry < this.#o.failbackMs) return this.#preferred;
    this.#lastFirstHostTry = now;
    return 0;
  }

  /** Full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** (attempt - 1));
    return Math.random() * ceiling;
  }

  #emit(e: AttemptEvent): void {
    this.#o.onAttempt?.(e);
  }

  async #attempt<T>(host: string, endpoint: string, body: string, schema: z.ZodType<T>, ctx: RemoteErrorContext): Promise<Attempt> {
    // The timeout covers the whole attempt: ky's `timeout` bounds the wait for the headers (with
    // the one AbortController ky makes anyway — a signal of our own would cost ky an
    // AbortSignal.any per request), readBody() bounds the rest against the same deadline.
    const deadline = performance.now() + this.#o.timeoutMs;
    let httpStatus: number | undefined;
    let text: string;
    let retryAfterHeader: string | null = null;
    try {
      const response = await this.#ky.post(`${host}${endpoint}`, {
        body,
        headers: {
          ...signHeaders(this.#o.appKey, this.#o.appSecret),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      });
      httpStatus = response.status;
      retryAfterHeader = response.headers.get('retry-after');
      text = await readBody(response, deadline - performance.now());
    } catch (cause) {
      const timedOut = cause instanceof TimeoutError || cause instanceof BodyTimeoutError;
      const detail = timedOut
        ? `no answer within ${this.#o.timeoutMs} ms${httpStatus !== undefined ? ` (HTTP ${httpStatus} headers came, the body did not)` : ''}`
        : `request failed: ${describeNetworkError(cause)}`;
      // ky's TimeoutError holds the Request, signed headers included: keep only its message.
      const safeCause = cause instanceof TimeoutError ? new Error(cause.message) : cause;
      const error = new TransportError({ ...ctx, host, timeout: timedOut, detail }, { cause: safeCause });
      return { kind: 'fail', error, outcome: timedOut ? 'timeout' : 'transport_error', retry: true, failover: true, ...(httpStatus !== undefined ? { httpStatus } : {}) };
    }

    return classifyAnswer({ status: httpStatus, text, retryAfter: retryAfterHeader, schema, ctx, host });
  }
}

/** undici's "fetch failed" hides the reason in `cause`; surface the code (ECONNREFUSED, ECONNRESET…). */
function describeNetworkError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      parts.push(typeof code === 'string' && !cur.message.includes(code) ? `${cur.message} (${code})` : cur.message);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ') || 'unknown network error';
}

class BodyTimeoutError extends Error {}

/** The body as text, cancelling the stream (which drops the connection) if it outlasts `ms`. */
async function readBody(response: Response, ms: number): Promise<string> {
  const stream = response.body;
  if (!stream) return '';
  const reader = stream.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, Math.max(0, ms));
  try {
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw new BodyTimeoutError('body timed out');
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
}

