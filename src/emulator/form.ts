// Request bodies: reading them with a size cap, and RongCloud's form encoding
// (application/x-www-form-urlencoded, an array as a repeated key, keys possibly percent-encoded).
// Both sit on the hot path of every API call, hence callbacks and a hand-rolled parser.
import type { IncomingMessage } from 'node:http';

export type Params = Record<string, string[]>;

export type BodyResult = { ok: true; text: string } | { ok: false; bytes: number };

/** Past maxBytes + this much, an oversized body is no longer drained but the socket is dropped. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Reads the whole body, then calls `done` once (not at all if the request errors: there is then
 * nobody to answer). An oversized body is drained rather than cut off, so the client (which is
 * still sending) reads the 413 answer instead of a connection reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number, done: (body: BodyResult) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= maxBytes) chunks.push(chunk);
    else if (bytes > maxBytes + DRAIN_LIMIT) req.destroy();
  });
  req.on('end', () => {
    if (bytes > maxBytes) return done({ ok: false, bytes });
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, bytes).toString('utf8');
    done({ ok: true, text });
  });
  // An aborted request ends without 'end'; the socket's own close handling cleans up.
  req.on('error', () => {});
}

/** The same, as a promise (for the admin API, which is not on a hot path). */
export function readBodyAsync(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => readBody(req, maxBytes, resolve));
}

function decode(s: string): string {
  if (s.indexOf('+') !== -1) s = s.replace(/\+/g, ' ');
  return s.indexOf('%') === -1 ? s : decodeURIComponent(s);
}

/**
 * Parses a form body into key → values (in order). A plain object (V8 keeps it fast), so keys
 * are client data handled with care: own-property checks, and `__proto__` defined, not assigned.
 */
export function parseForm(text: string): Params {
  const params: Params = {};
  if (text.length === 0) return params;
  try {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('&', start);
      if (end === -1) end = text.length;
      if (end > start) {
        const eq = text.indexOf('=', start);
        const hasValue = eq !== -1 && eq < end;
        add(params, decode(text.slice(start, hasValue ? eq : end)), hasValue ? decode(text.slice(eq + 1, end)) : '');
      }
      start = end + 1;
    }
    return params;
  } catch {
    // Malformed percent-encoding: URLSearchParams keeps such bytes as they are, like most servers.
    const lenient: Params = {};
    for (const [k, v] of new URLSearchParams(text)) add(lenient, k, v);
    return lenient;
  }
}

function add(params: Params, k: string, v: string): void {
  if (Object.hasOwn(params, k)) params[k]!.push(v);
  else if (k === '__proto__') Object.defineProperty(params, k, { value: [v], enumerable: true, writable: true, configurable: true });
  else params[k] = [v];
}
