// One API request, start to finish: count it, read the body, let the fault injector decide,
// then check signature, rate limit and content type, run the endpoint, answer, record the call.
// The call takes effect when it arrives; injected latency only delays the answer, so a client
// that times out cannot tell whether its call was applied — as with the real service.
// Injected faults differ in whether the call is applied:
// - timeout / reset (lost answer): the call is processed exactly as a normal one (signature,
//   rate limit, endpoint, state change), then the answer is dropped — never sent, or the socket
//   is destroyed. A client sees a failure although the change may have landed. With the fault
//   config's `applyUnanswered: false` they are dropped unprocessed instead (request lost before
//   the server read it).
// - error (injected 5xx) and rate-limit-burst (429): refused before processing, nothing applied.
// Hot path (aim: >10k requests/s on one core): no promises, no per-request closures beyond
// the body callback.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSignature } from './auth.js';
import type { CallLog } from './call-log.js';
import { ApiError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { parseForm, readBody, type BodyResult, type Params } from './form.js';
import { HANDLERS } from './handlers.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import { sendJson } from './respond.js';
import type { GroupStore } from './state.js';
import type { CallRecord, EmulatorLimits } from './types.js';

export interface ApiContext {
  appKey: string;
  appSecret: string;
  limits: EmulatorLimits;
  store: GroupStore;
  log: CallLog;
  faults: FaultInjector;
  limiter: SlidingWindowLimiter;
  /** Delayed answers not yet sent; close() cancels them. */
  timers: Set<NodeJS.Timeout>;
}

interface Answer {
  status: number;
  body: { code: number; [k: string]: unknown };
  headers?: Record<string, string>;
  fault?: string;
  changed?: boolean;
}

/** Paths that change state (the two query paths only read). */
function isWrite(path: string): boolean {
  return path !== '/group/user/query.json' && path !== '/user/group/query.json';
}

const EMPTY: Params = Object.freeze({});

export function serveApi(req: IncomingMessage, res: ServerResponse, path: string, ctx: ApiContext): void {
  const at = Date.now();
  const seq = ctx.log.begin(path);
  readBody(req, ctx.limits.maxBodyBytes, (body) => answerApi(req, res, path, ctx, seq, at, body));
}

function answerApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ctx: ApiContext,
  seq: number,
  at: number,
  body: BodyResult,
): void {
  const params = body.ok ? parseForm(body.text) : EMPTY;
  const fault = HANDLERS[path] ? ctx.faults.decide(path) : undefined;

  if (fault?.kind === 'timeout' || fault?.kind === 'reset') {
    // The answer is lost, but by default the call was processed first (its result is discarded):
    // the change lands, the rate limit is used, exactly as for an answered call.
    const before = ctx.store.changes;
    const applied = fault.applied ? handle(req, path, params, body.ok, ctx) : undefined;
    record(ctx, seq, at, path, params, 0, 0, fault.kind, applied?.status === 200 && isWrite(path) ? ctx.store.changes > before : undefined);
    // timeout: never answered, the socket stays open until the client gives up or close() drops it.
    if (fault.kind === 'reset') later(ctx, fault.delayMs, () => req.socket.destroy());
    return;
  }

  let answer: Answer;
  // Injected 5xx and rate-limit bursts are refused before processing: nothing is applied.
  if (fault?.kind === 'error') {
    answer = {
      status: fault.status!,
      body: { code: fault.code!, errorMessage: `injected fault: HTTP ${fault.status}`, url: path },
      fault: 'error',
    };
  } else if (fault?.kind === 'rate-limit-burst') {
    answer = {
      status: 429,
      body: { code: 1008, errorMessage: 'injected fault: call frequency exceeded (rate-limit burst)', url: path },
      headers: { 'retry-after': String(fault.retryAfterSeconds) },
      fault: 'rate-limit-burst',
    };
  } else {
    const before = ctx.store.changes;
    answer = handle(req, path, params, body.ok, ctx);
    if (answer.status === 200 && isWrite(path)) answer.changed = ctx.store.changes > before;
  }

  record(ctx, seq, at, path, params, answer.status, answer.body.code, answer.fault, answer.changed);
  const delay = fault?.delayMs ?? 0;
  if (delay > 0) later(ctx, delay, () => sendJson(res, answer.status, answer.body, answer.headers));
  else sendJson(res, answer.status, answer.body, answer.headers);
}

function handle(req: IncomingMessage, path: string, params: Params, bodyOk: boolean, ctx: ApiContext): Answer {
  try {
    if (req.method !== 'POST') {
      throw new ApiError(405, `method ${req.method} not allowed: RongCloud API endpoints take POST`);
    }
    const handler = HANDLERS[path];
    if (!handler) throw new ApiError(404, `no such endpoint: POST ${path}`);
    if (!bodyOk) {
      throw new ApiError(1508, `request body is larger than ${ctx.limits.maxBodyBytes} bytes (the limit is ${ctx.limits.maxBodyBytes / 1024} KB)`);
    }
    checkSignature(req.headers, ctx.appKey, ctx.appSecret);
    if (!ctx.limiter.tryAcquire()) {
      const e = new ApiError(1008, `call frequency exceeded: the limit is ${ctx.limiter.limit} requests per second`);
      return { ...errorAnswer(e, path), headers: { 'retry-after': '1' } };
    }
    const type = req.headers['content-type'];
    if (type !== undefined && !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new ApiError(1002, `Content-Type ${type} not supported: send application/x-www-form-urlencoded`);
    }
    const extra = handler(params, ctx.store, ctx.limits);
    return { status: 200, body: { code: 200, ...extra } };
  } catch (e) {
    if (e instanceof ApiError) return errorAnswer(e, path);
    // An emulator bug: answer it as RongCloud's internal error so the client sees it.
    const message = e instanceof Error ? e.message : String(e);
    return errorAnswer(new ApiError(1000, `emulator internal error: ${message}`), path);
  }
}

function errorAnswer(e: ApiError, path: string): Answer {
  return { status: e.status, body: { code: e.code, errorMessage: e.message, url: path } };
}

function record(
  ctx: ApiContext,
  seq: number,
  at: number,
  path: string,
  params: Params,
  status: number,
  code: number,
  fault: string | undefined,
  changed?: boolean,
): void {
  const call: CallRecord = { seq, at, path, params, status, code };
  if (fault) call.fault = fault;
  if (changed !== undefined) call.changed = changed;
  ctx.log.record(call);
}

function later(ctx: ApiContext, delayMs: number, fn: () => void): void {
  if (delayMs <= 0) {
    fn();
    return;
  }
  const t = setTimeout(() => {
    ctx.timers.delete(t);
    fn();
  }, delayMs);
  ctx.timers.add(t);
}
