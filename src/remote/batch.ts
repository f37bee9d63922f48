// Request sizing. RongCloud takes at most 1000 user ids per create/join/quit call and a request
// body under 100 KB (code 1508, never worth retrying). Long id lists become several calls, cut by
// both limits, made one after another (in order, so the progress is a prefix), and a failure
// part-way carries how far it got. sync cannot be cut (it carries the user's whole group list), so
// its size is only measured: syncBodyBytes / fitsSyncBody let a caller check before choosing it.
//
// Sizes are exact: the bytes of `URLSearchParams#toString()` (what Transport sends), computed
// without building the string.
import { RemoteEdgeError, RemoteValidationError, type RemoteErrorContext } from './errors.js';

/**
 * Largest request body GroupClient sends, in bytes. RongCloud documents "< 100 KB" (code 1508)
 * without saying whether KB is 1000 or 1024 bytes; 100,000 is under the limit on either reading
 * (the emulator accepts up to 102,400).
 */
export const MAX_BODY_BYTES = 100_000;

/**
 * Bytes of `s` once form-encoded as URLSearchParams does it: ASCII letters, digits and `*-._`
 * stay, a space becomes `+`, every other UTF-8 byte becomes `%XX` (a lone surrogate is sent as
 * U+FFFD, 3 bytes). So a CJK character costs 9 bytes.
 */
export function formEncodedBytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += KEPT[c] ? 1 : 3;
    else if (c < 0x800) n += 6;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 12;
      i++;
    } else n += 9;
  }
  return n;
}

const KEPT: boolean[] = Array.from({ length: 0x80 }, (_, c) => /[A-Za-z0-9*\-._ ]/.test(String.fromCharCode(c)));

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Bytes of one `key=value` pair, without the `&` that separates it from the next. */
function formPairBytes(key: string, value: string): number {
  return formEncodedBytes(key) + 1 + formEncodedBytes(value);
}

/** Bytes of the body `new URLSearchParams(pairs).toString()`. */
export function formBodyBytes(pairs: Iterable<readonly [string, string]>): number {
  let n = 0;
  let count = 0;
  for (const [k, v] of pairs) {
    n += formPairBytes(k, v);
    count++;
  }
  return count === 0 ? 0 : n + count - 1;
}

/** The user a sync call is for: the whole group list it replaces the user's groups with. */
export interface SyncBodyUser {
  id: string;
  groups: readonly { id: string; name: string }[];
}

/** The pairs of a `/group/sync.json` body: `userId`, then one `group[<groupId>]=<groupName>` per group. */
export function syncPairs(user: SyncBodyUser): [string, string][] {
  const pairs: [string, string][] = [['userId', user.id]];
  for (const g of user.groups) pairs.push([`group[${g.id}]`, g.name]);
  return pairs;
}

/** Bytes of the `/group/sync.json` body GroupClient.sync would send for `user`. Pure. */
export function syncBodyBytes(user: SyncBodyUser): number {
  return formBodyBytes(syncPairs(user));
}

/**
 * Whether a sync of `user` fits in one request body (GroupClient.sync refuses it otherwise). A
 * planner can use it to cover such a user with per-group calls instead. Pure.
 */
export function fitsSyncBody(user: SyncBodyUser, maxBodyBytes: number = MAX_BODY_BYTES): boolean {
  return syncBodyBytes(user) <= maxBodyBytes;
}

/** How the body of one batched call is built: `idKey` repeated once per id, plus `rest`. */
export interface BatchShape {
  /** Ids per call. */
  maxIds: number;
  /** Bytes per request body. */
  maxBodyBytes: number;
  /** The key every id is sent under, e.g. `userId`. */
  idKey: string;
  /** The other pairs every batch's body carries (`groupId`, `groupName`). */
  rest: readonly (readonly [string, string])[];
}

/**
 * Cuts `ids` into consecutive batches, each as long as it can be while it holds at most
 * `maxIds` ids and its body stays within `maxBodyBytes`. Throws RemoteValidationError (naming
 * `field[i]`) when an id cannot fit a body even alone, so nothing is sent for a list that could
 * not be sent whole.
 */
export function splitBatches(ids: readonly string[], shape: BatchShape, ctx: RemoteErrorContext, field = 'memberIds'): string[][] {
  if (!(shape.maxIds >= 1)) throw new RangeError(`maxIds must be >= 1, got ${shape.maxIds}`);
  // body = Σ rest pairs + Σ id pairs + one `&` between any two pairs
  //      = base + Σ (idPair + 1), where base = Σ rest pairs + rest.length − 1.
  let base = shape.rest.length - 1;
  for (const [k, v] of shape.rest) base += formPairBytes(k, v);
  const keyBytes = formEncodedBytes(shape.idKey) + 2; // `key=` and the `&`
  const out: string[][] = [];
  let batch: string[] = [];
  let bytes = base;
  for (const [i, id] of ids.entries()) {
    const cost = keyBytes + formEncodedBytes(id);
    if (base + cost > shape.maxBodyBytes) {
      throw new RemoteValidationError({
        ...ctx,
        field: `${field}[${i}]`,
        limit: shape.maxBodyBytes,
        length: base + cost,
        problem: `makes a ${base + cost}-byte request body even alone, over the request body limit of ${shape.maxBodyBytes} bytes (RongCloud code 1508)`,
      });
    }
    if (batch.length > 0 && (batch.length >= shape.maxIds || bytes + cost > shape.maxBodyBytes)) {
      out.push(batch);
      batch = [];
      bytes = base;
    }
    batch.push(id);
    bytes += cost;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * Runs `call` per batch, sequentially; `batches` are consecutive slices of `ids` (from
 * splitBatches). If batch k fails, the error is rethrown with `completedIds` = the ids of batches
 * 0..k-1 and `pendingIds` = the rest.
 */
export async function runBatches(
  ids: readonly string[],
  batches: readonly string[][],
  call: (batch: string[], index: number) => Promise<void>,
): Promise<void> {
  let done = 0;
  for (const [i, batch] of batches.entries()) {
    try {
      await call(batch, i);
    } catch (e) {
      if (e instanceof RemoteEdgeError) {
        if (batches.length > 1) e.withProgress(ids.slice(0, done), ids.slice(done));
        else e.pendingIds = ids.slice();
      }
      throw e;
    }
    done += batch.length;
  }
}
