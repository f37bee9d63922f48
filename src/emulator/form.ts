// Request bodies: reading them with a size cap, and RongCloud's form encoding
// (application/x-www-form-urlencoded, an array as a repeated key, keys possibly percent-encoded).
import type { IncomingMessage } from 'node:http';

export type Params = Record<string, string[]>;

export type BodyResult = { ok: true; text: string } | { ok: false; bytes: number };

/** Past maxBytes + this much, an oversized body is no longer drained but the socket is dropped. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Reads the whole body. An oversized body is drained rather than cut off, so the client (which is
 * still sending) reads the 413 answer instead of a connection reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) chunks.push(chunk);
      else if (bytes > maxBytes + DRAIN_LIMIT) req.destroy();
    });
    req.on('end', () => {
      resolve(bytes > maxBytes ? { ok: false, bytes } : { ok: true, text: Buffer.concat(chunks, bytes).toString('utf8') });
    });
    req.on('error', reject);
  });
}

/** Parses a form body into key → values (in order). Null prototype: keys are client data. */
export function parseForm(text: string): Params {
  const params: Params = Object.create(null) as Params;
  if (text.length === 0) return params;
  for (const [k, v] of new URLSearchParams(text)) {
    const list = params[k];
    if (list) list.push(v);
    else params[k] = [v];
  }
  return params;
}
