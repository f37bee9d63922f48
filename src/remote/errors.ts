// Typed errors of the remote edge. Every one names the endpoint and the group (if any) so an
// operator can act on the message alone; none ever contains the app secret or a signature (the
// signer is the only code that sees the secret, and no request headers are ever put into an error).
//
// Batched calls (invite/kick/create over 1000 ids, or over the request body limit) that fail
// part-way set `completedIds` on the error they throw, so a caller can record the partial progress
// and resume.
import { RongsyncError } from '../errors.js';

export interface RemoteErrorContext {
  /** Path of the call, e.g. `/group/join.json`. */
  endpoint: string;
  groupId?: string | undefined;
  userId?: string | undefined;
}

/** Base of every error thrown by GroupClient (validation, remote, transport, malformed). */
export abstract class RemoteEdgeError extends RongsyncError {
  readonly endpoint: string;
  readonly groupId: string | undefined;
  readonly userId: string | undefined;
  /**
   * Ids already applied by earlier sub-calls of a batched operation before this error (empty when
   * nothing was applied or the operation is not batched).
   */
  completedIds: string[] = [];
  /** Ids the failed operation did not get to apply (including the failing batch). */
  pendingIds: string[] = [];

  constructor(kind: string, ctx: RemoteErrorContext, message: string, options?: { cause?: unknown }) {
    super(kind, `${where(ctx)}: ${message}`, options);
    this.endpoint = ctx.endpoint;
    this.groupId = ctx.groupId;
    this.userId = ctx.userId;
  }

  /** Records batch progress on the error and says so in the message. */
  withProgress(completedIds: string[], pendingIds: string[]): this {
    this.completedIds = completedIds;
    this.pendingIds = pendingIds;
    const total = completedIds.length + pendingIds.length;
    this.message += ` (batched call stopped after ${completedIds.length} of ${total} ids were applied)`;
    return this;
  }
}

function where(ctx: RemoteErrorContext): string {
  let s = ctx.endpoint;
  if (ctx.groupId !== undefined) s += ` group ${JSON.stringify(ctx.groupId)}`;
  if (ctx.userId !== undefined) s += ` user ${JSON.stringify(ctx.userId)}`;
  return s;
}

/**
 * The remote answered with an error: a `code !== 200` (in an HTTP 200 body or not), or an HTTP
 * error status. `code` is undefined when the body carried none (e.g. a proxy's 502 page).
 */
export class RemoteError extends RemoteEdgeError {
  readonly code: number | undefined;
  readonly httpStatus: number;
  /** The remote's own `errorMessage`, verbatim. */
  readonly errorMessage: string | undefined;
  /** Base URL that answered. */
  readonly host: string;
  /** Attempts made for this call (1 = not retried). */
  attempts = 1;

  constructor(
    ctx: RemoteErrorContext & { code: number | undefined; httpStatus: number; errorMessage: string | undefined; host: string },
    kind = 'remote_error',
  ) {
    const code = ctx.code === undefined ? 'no code' : `code ${ctx.code}`;
    const msg = ctx.errorMessage ? `: ${JSON.stringify(ctx.errorMessage)}` : '';
    super(kind, ctx, `RongCloud answered ${code} (HTTP ${ctx.httpStatus})${msg} [${ctx.host}]`);
    this.code = ctx.code;
    this.httpStatus = ctx.httpStatus;
    this.errorMessage = ctx.errorMessage;
    this.host = ctx.host;
  }
}

/** Rate limited: code 1008 or HTTP 429. `retryAfterMs` from `Retry-After` when given. */
export class RateLimitError extends RemoteError {
  readonly retryAfterMs: number | undefined;

  constructor(
    ctx: RemoteErrorContext & { code: number | undefined; httpStatus: number; errorMessage: string | undefined; host: string; retryAfterMs: number | undefined },
  ) {
    super(ctx, 'rate_limited');
    this.retryAfterMs = ctx.retryAfterMs;
  }
}

/** The request did not get an answer: connection refused/reset, DNS, or the per-attempt timeout. */
export class TransportError extends RemoteEdgeError {
  readonly host: string;
  readonly timeout: boolean;
  /** What went wrong, without the endpoint and host (`request failed: … ECONNREFUSED`, `no answer within 10000 ms`). */
  readonly detail: string;
  attempts = 1;

  constructor(ctx: RemoteErrorContext & { host: string; timeout: boolean; detail: string }, options?: { cause?: unknown }) {
    super(ctx.timeout ? 'remote_timeout' : 'remote_unreachable', ctx, `${ctx.detail} [${ctx.host}]`, options);
    this.host = ctx.host;
    this.timeout = ctx.timeout;
    this.detail = ctx.detail;
  }
}

/**
 * A call that was never sent because its run is stopping (RongCloud could not be reached at all):
 * it surely changed nothing, and it says nothing about its group.
 */
export class NotSentError extends RemoteEdgeError {
  constructor(ctx: RemoteErrorContext, reason: string) {
    super('remote_not_sent', ctx, `not sent: ${reason}`);
  }
}

/** An input breaks a RongCloud limit; thrown before any request is sent. */
export class RemoteValidationError extends RemoteEdgeError {
  /** Path of the offending field, e.g. `memberIds[3]` or `groups[0].name`. */
  readonly field: string;
  /** The limit broken (max length, max count, max request body bytes), when there is one. */
  readonly limit: number | undefined;
  /**
   * Length of the rejected value: chars, bytes for user ids, count for lists, or the encoded
   * request body's bytes when the limit broken is the body size.
   */
  readonly length: number | undefined;

  constructor(ctx: RemoteErrorContext & { field: string; limit: number | undefined; length: number | undefined; problem: string }) {
    super('remote_invalid_input', ctx, `${ctx.field} ${ctx.problem}; no request was sent`);
    this.field = ctx.field;
    this.limit = ctx.limit;
    this.length = ctx.length;
  }
}

/** The body was not JSON, or did not match the expected schema. Never retried. */
export class MalformedResponseError extends RemoteEdgeError {
  readonly httpStatus: number;
  readonly host: string;
  /** Start of the body as received (at most 200 chars). */
  readonly bodySnippet: string;

  constructor(ctx: RemoteErrorContext & { httpStatus: number; host: string; problem: string; body: string }, options?: { cause?: unknown }) {
    const snippet = ctx.body.length > 200 ? `${ctx.body.slice(0, 200)}…` : ctx.body;
    super('remote_malformed', ctx, `malformed response (HTTP ${ctx.httpStatus}): ${ctx.problem}; body: ${JSON.stringify(snippet)} [${ctx.host}]`, options);
    this.httpStatus = ctx.httpStatus;
    this.host = ctx.host;
    this.bodySnippet = snippet;
  }
}

/** A call was made, or was still waiting, after `GroupClient.close()`. */
export class ClientClosedError extends RemoteEdgeError {
  constructor(ctx: RemoteErrorContext) {
    super('remote_client_closed', ctx, 'the client was closed');
  }
}

// What a RongCloud answer says about RongCloud rather than about the call. The transport decides
// retries with these and isTransient decides quarantine with them, so the two never disagree.

/** Codes of RongCloud's own failures: 1000 internal error, 1050 internal timeout. */
const SERVER_FAILURE_CODES: ReadonlySet<number> = new Set([1000, 1050]);
/** RongCloud's "call frequency exceeded". */
const RATE_LIMIT_CODE = 1008;

/** An HTTP 5xx: the server (or a proxy in front of it) failed; the next base URL may not. */
export function isServerSide(httpStatus: number): boolean {
  return httpStatus >= 500;
}

/** Slow down: code 1008, or HTTP 429 (also from a proxy, with no RongCloud body). */
export function isRateLimited(httpStatus: number, code?: number): boolean {
  return code === RATE_LIMIT_CODE || httpStatus === 429;
}

/** RongCloud failed on its side — a 5xx or code 1000/1050: the same call may work later. */
export function isServerFailure(httpStatus: number, code?: number): boolean {
  return isServerSide(httpStatus) || (code !== undefined && SERVER_FAILURE_CODES.has(code));
}

/**
 * Whether a failure says something about RongCloud's availability rather than about the call:
 * no answer, a 5xx, the internal-error codes 1000/1050, rate limiting, or a closed client. Such a
 * failure is retried later but never gets a group quarantined (an outage would otherwise
 * quarantine every group that changed during it).
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof TransportError || e instanceof ClientClosedError || e instanceof RateLimitError || e instanceof NotSentError) return true;
  if (e instanceof RemoteError) return isServerFailure(e.httpStatus, e.code) || isRateLimited(e.httpStatus, e.code);
  return false;
}

/**
 * RongCloud refused the app's credentials (1001 unknown app key / key and secret mismatch, 1004
 * signature error, or a bare HTTP 401/403): a fault of the configuration, not of any group. A run
 * stops at the first one and counts nothing towards any group's quarantine.
 */
export function isCredentialsError(e: unknown): e is RemoteError {
  if (!(e instanceof RemoteError) || e instanceof RateLimitError) return false;
  if (e.code === 1001 || e.code === 1004) return true;
  return e.code === undefined && (e.httpStatus === 401 || e.httpStatus === 403);
}

/** What an operator reads when RongCloud gives no answer at all (every base URL, every retry). */
export function unreachableMessage(e: TransportError): string {
  return `cannot reach RongCloud at ${e.host} (${e.detail}). Check RONGCLOUD_API_URL and the network.`;
}

/** What an operator reads when the credentials are refused. */
export const CREDENTIALS_FIX = 'RongCloud refused the signature — check RONGCLOUD_APP_KEY / RONGCLOUD_APP_SECRET';

/**
 * Whether a failed write surely did not change anything remotely: it was never sent (invalid
 * input, client closed before sending), or RongCloud answered a refusal (a 4xx code, rate
 * limiting). Not so for no answer, a 5xx or a malformed answer — the write may have landed.
 * A batched write that applied some of its sub-calls (completedIds) changed something.
 */
export function surelyNotApplied(e: unknown): boolean {
  if (e instanceof RemoteEdgeError && e.completedIds.length > 0) return false;
  if (e instanceof RemoteValidationError || e instanceof RateLimitError || e instanceof NotSentError) return true;
  if (e instanceof ClientClosedError) return false; // it may have been on the wire when closed
  if (e instanceof RemoteError) return !isServerFailure(e.httpStatus, e.code);
  return false;
}
