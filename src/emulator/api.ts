// One API request, start to finish: count it, read the body, let the fault injector decide,
// then check signature, rate limit and content type, run the endpoint, answer, record the call.
// The call takes effect when it arrives; injected latency only delays the answer, so a client
// that times out cannot tell whether its call was applied — as with the real service.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSignature } from './auth.js';
import type { CallLog } from './call-log.js';
import { ApiError } from './errors.js';
import type { FaultDecision, FaultInjector } from './faults.js';
import { parseForm, readBody, type Params } from './form.js';
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
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  fault?: string;
}

const EMPTY: Params = Object.freeze(Object.create(null)) as Params;

function errorAnswer(e: ApiError, path: string): Answer {
  return { status: e.status, body: { code: e.code, errorMessage: e.message, url: path } };
}

export async function serveApi(req: IncomingMessage, res: ServerResponse, path: string, ctx: ApiContext): Promise<void> {
  const at = Date.now();
  const seq = ctx.log.begin(path);
  const body = await readBody(req, ctx.limits.maxBodyBytes);
  const params = body.ok ? parseForm(body.text) : EMPTY;
  const record = (status: number, code: number, fault?: string) => {
    const call: CallRecord = { seq, at, path, params, status, code };
    if (fault) call.fault = fault;
    ctx.log.record(call);
  };

  const handler = HANDLERS[path];
  const fault: FaultDecision = handler ? ctx.faults.decide(path) : { delayMs: 0 };

  if (fault.kind === 'timeout') {
    // Never answered: the socket stays open until the client gives up or close() drops it.
    record(0, 0, 'timeout');
    return;
  }
  if (fault.kind === 'reset') {
    record(0, 0, 'reset');
    later(ctx, fault.delayMs, () => req.socket.destroy());
    return;
  }

  let answer: Answer;
  if (fault.kind === 'error' || fault.kind === 'rate-limit-burst') {
    const e = fault.kind === 'error'
      ? { status: fault.status!, code: fault.code!, errorMessage: `injected fault: HTTP ${fault.status}` }
      : { status: 429, code: 1008, errorMessage: 'injected fault: call frequency exceeded (rate-limit burst)' };
    answer = { status: e.status, body: { code: e.code, errorMessage: e.errorMessage, url: path }, fault: fault.kind };
    if (fault.retryAfterSeconds !== undefined) answer.headers = { 'retry-after': String(fault.retryAfterSeconds) };
  } else {
    answer = handle(req, path, params, body.ok, ctx);
  }

  record(answer.status, answer.body.code as number, answer.fault);
  later(ctx, fault.delayMs, () => sendJson(res, answer.status, answer.body, answer.headers));
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
    return { status: 200, body: { code: 200, ...handler(params, ctx.store, ctx.limits) } };
  } catch (e) {
    if (e instanceof ApiError) return errorAnswer(e, path);
    const message = e instanceof Error ? e.message : String(e);
    return errorAnswer(new ApiError(1000, `emulator internal error: ${message}`), path);
  }
}

function later(ctx: ApiContext, delayMs: number, fn: () => void): void {
  if (delayMs <= 0) return fn();
  const t = setTimeout(() => {
    ctx.timers.delete(t);
    fn();
  }, delayMs);
  ctx.timers.add(t);
}
