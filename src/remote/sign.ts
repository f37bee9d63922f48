// RongCloud request signing. The only place in rongsync that calls `Secret.reveal()`.
// Signature = lowercase hex sha1(appSecret + nonce + timestamp); a fresh nonce and timestamp per
// HTTP attempt, so a retried request is never a replay of the first one.
import { createHash, randomBytes } from 'node:crypto';
import type { Secret } from '../config/secret.js';

export interface SignedHeaders {
  'App-Key': string;
  Nonce: string;
  Timestamp: string;
  Signature: string;
}

/** 18 hex chars: the documented maximum nonce length, 72 random bits. */
function newNonce(): string {
  return randomBytes(9).toString('hex');
}

function signature(appSecret: Secret, nonce: string, timestamp: string): string {
  return createHash('sha1').update(appSecret.reveal() + nonce + timestamp).digest('hex');
}

/** Headers for one attempt. `now` and `nonce` are injectable for tests. */
export function signHeaders(appKey: string, appSecret: Secret, now: number = Date.now(), nonce: string = newNonce()): SignedHeaders {
  const timestamp = String(now);
  return { 'App-Key': appKey, Nonce: nonce, Timestamp: timestamp, Signature: signature(appSecret, nonce, timestamp) };
}
