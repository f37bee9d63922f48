// RongCloud's request signature: Signature = hex sha1(appSecret + Nonce + Timestamp), with the
// headers under their plain or `RC-` names. Nonce reuse and timestamp age are deliberately NOT
// checked: the official Node SDK computes both once per process (timestamp in seconds) and
// reuses them on every call, and the emulator must accept what that SDK sends.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './errors.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name] ?? headers[`rc-${name}`];
  return Array.isArray(v) ? v[0] : v;
}

function signatureOf(appSecret: string, nonce: string, timestamp: string): string {
  return createHash('sha1').update(appSecret + nonce + timestamp).digest('hex');
}

/** Throws the ApiError RongCloud would answer (1001 wrong/missing key, 1004 bad signature). */
export function checkSignature(headers: IncomingHttpHeaders, appKey: string, appSecret: string): void {
  const key = header(headers, 'app-key');
  if (key === undefined || key === '') {
    throw new ApiError(1001, 'App-Key header is missing (send App-Key or RC-App-Key)');
  }
  if (key !== appKey) throw new ApiError(1001, `App-Key ${JSON.stringify(key)} is not this app's key`);
  const nonce = header(headers, 'nonce');
  const timestamp = header(headers, 'timestamp');
  const signature = header(headers, 'signature');
  if (!nonce || !timestamp || !signature) {
    const missing = [!nonce && 'Nonce', !timestamp && 'Timestamp', !signature && 'Signature'].filter(Boolean);
    throw new ApiError(1004, `signature headers missing: ${missing.join(', ')}`);
  }
  if (signature !== signatureOf(appSecret, nonce, timestamp)) {
    throw new ApiError(
      1004,
      'Signature does not match: expected lowercase hex sha1(appSecret + Nonce + Timestamp); check the App-Secret',
    );
  }
}
