// Test client for the emulator: plain fetch with correctly signed RongCloud form requests (kept
// here on purpose: src/remote is a separate layer and must not be what checks the emulator).
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export const APP_KEY = 'test-app-key';
export const APP_SECRET = 'test-app-secret';

export function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, rateLimitPerSecond: 0, ...options });
}

export interface SignOptions {
  appKey?: string;
  appSecret?: string;
  /** Use the RC-App-Key / RC-Nonce / … header names. */
  rcPrefix?: boolean;
}

export function signedHeaders(o: SignOptions = {}): Record<string, string> {
  const nonce = randomBytes(8).toString('hex');
  const timestamp = String(Date.now());
  const signature = createHash('sha1')
    .update((o.appSecret ?? APP_SECRET) + nonce + timestamp)
    .digest('hex');
  const p = o.rcPrefix ? 'RC-' : '';
  return {
    [`${p}App-Key`]: o.appKey ?? APP_KEY,
    [`${p}Nonce`]: nonce,
    [`${p}Timestamp`]: timestamp,
    [`${p}Signature`]: signature,
  };
}

export type Form = Record<string, string | string[]> | Array<[string, string]>;

function formOf(form: Form): URLSearchParams {
  const body = new URLSearchParams();
  const entries = Array.isArray(form) ? form : Object.entries(form);
  for (const [k, v] of entries) {
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  }
  return body;
}

export interface Reply {
  status: number;
  body: { code: number; errorMessage?: string; url?: string; [k: string]: unknown };
  headers: Headers;
}

/** POSTs a signed form to `path`; resolves with status and parsed JSON. */
export async function post(
  em: Pick<Emulator, 'url'>,
  path: string,
  form: Form,
  o: SignOptions & { signal?: AbortSignal; body?: string } = {},
): Promise<Reply> {
  const res = await fetch(em.url + path, {
    method: 'POST',
    headers: { ...signedHeaders(o), 'content-type': 'application/x-www-form-urlencoded' },
    body: o.body ?? formOf(form).toString(),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'], headers: res.headers };
}

/** Calls the inspection API. */
export async function admin<T = unknown>(
  em: Pick<Emulator, 'url'>,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${em.url}/_emulator/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}
