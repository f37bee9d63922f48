// RongCloud's rules for group ids, group names and user ids, and the one order ids are kept in.
// The config (the dismiss operator), the planner, the client and the emulator all check with these
// functions, so a row the planner accepts is never refused by the client or the emulator: two
// readings of "length" once let a 30-emoji group id pass the planner and fail the client on every
// run until the group was quarantined. Pure.
//
// Lengths: group ids and names in UTF-16 code units, user ids in UTF-8 bytes. RongCloud documents
// ids and names as "最大长度 30 / 60 个字符" (characters) without saying what a character is, and
// user ids as 64 bytes. Its servers are Java, where a string's length is its UTF-16 code units, and
// code units are the stricter reading (an emoji is 2 of them but 1 code point), so a value that fits
// here fits on either reading.
import { forbiddenInId, forbiddenInName, describeForbidden, type ForbiddenChar } from './characters.js';

export type LengthUnit = 'utf16' | 'utf8';

/** Length in UTF-16 code units (what JavaScript's and Java's `length` count). */
export function utf16Length(s: string): number {
  return s.length;
}

/** Length in UTF-8 bytes (an unpaired surrogate counts as U+FFFD, 3 bytes, as it is sent). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function measure(s: string, unit: LengthUnit): number {
  return unit === 'utf8' ? utf8Length(s) : utf16Length(s);
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * A length as an operator can check it: "31 characters", "66 bytes", or — when code units and
 * characters differ — "60 UTF-16 code units (30 characters)".
 */
export function describeLength(s: string, unit: LengthUnit): string {
  if (unit === 'utf8') return `${utf8Length(s)} bytes`;
  const cp = codePoints(s);
  return cp === s.length ? `${s.length} characters` : `${s.length} UTF-16 code units (${cp} characters)`;
}

export type TextProblem =
  | { kind: 'empty' }
  | { kind: 'blank' }
  | { kind: 'padded' }
  | { kind: 'forbidden'; char: ForbiddenChar }
  | { kind: 'too_long'; length: number; limit: number; unit: LengthUnit; described: string };

function lengthProblem(s: string, limit: number, unit: LengthUnit): TextProblem | null {
  const length = measure(s, unit);
  return length > limit ? { kind: 'too_long', length, limit, unit, described: describeLength(s, unit) } : null;
}

/**
 * An id (group or user): not empty, not whitespace at either end (the app's " g1" and "g1" would
 * be two groups in the tables but look like one anywhere they are shown, and whether RongCloud
 * trims is not documented), no control, line-separator or bidi character, within `limit`.
 */
function idProblem(id: string, limit: number, unit: LengthUnit): TextProblem | null {
  if (id.length === 0) return { kind: 'empty' };
  if (id.trim().length === 0) return { kind: 'blank' };
  // Before the padding check, so "g1\n" is reported for its newline, not as mere whitespace.
  const char = forbiddenInId(id);
  if (char) return { kind: 'forbidden', char };
  if (id.trim() !== id) return { kind: 'padded' };
  return lengthProblem(id, limit, unit);
}

/** null when RongCloud takes `id` as a group id of at most `limit` UTF-16 code units. */
export function groupIdProblem(id: string, limit: number): TextProblem | null {
  return idProblem(id, limit, 'utf16');
}

/** null when RongCloud takes `id` as a user id of at most `limit` UTF-8 bytes. */
export function userIdProblem(id: string, limit: number): TextProblem | null {
  return idProblem(id, limit, 'utf8');
}

/**
 * null when `name` is a group name of at most `limit` UTF-16 code units. Empty or whitespace-only
 * is refused: create and rename need a name, and rongsync does not invent one. Spaces at either
 * end, line breaks and tabs are the app's business (see characters.ts for what is refused).
 */
export function groupNameProblem(name: string, limit: number): TextProblem | null {
  if (name.length === 0) return { kind: 'empty' };
  if (name.trim().length === 0) return { kind: 'blank' };
  const char = forbiddenInName(name);
  if (char) return { kind: 'forbidden', char };
  return lengthProblem(name, limit, 'utf16');
}

/**
 * The problem as a predicate of the value: "is empty", "contains control character U+000A at
 * position 3", "is 31 characters; the limit is 30". Callers put the subject in front and, for a
 * length, may name the setting that holds the limit.
 */
export function describeProblem(p: TextProblem): string {
  switch (p.kind) {
    case 'empty':
      return 'is empty';
    case 'blank':
      return 'is only whitespace';
    case 'padded':
      return 'has leading or trailing whitespace';
    case 'forbidden':
      return `contains ${describeForbidden(p.char)}`;
    case 'too_long':
      return `is ${p.described}; the limit is ${p.limit}`;
  }
}

/**
 * The order ids are kept in everywhere: by code point, which is the order of their UTF-8 bytes and
 * of Postgres' "C" collation (so a member-list hash computed here equals one computed in SQL).
 * Plain `<` compares UTF-16 code units, which puts U+E000–U+FFFF after every emoji; the fix-up
 * below (as in ICU's code point order) is needed only where both strings differ at a surrogate or
 * above.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** A code unit from U+D800 up: only between such units do code-unit and code-point order differ. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** Distinct ids in compareIds order. */
export function sortIds(ids: Iterable<string>): string[] {
  const out = [...new Set(ids)];
  // The engine's own sort (code units) is several times faster and gives the same order unless
  // some id holds a unit from U+D800 up (an emoji, a private-use or a half-width character).
  return out.some((id) => HIGH_UNIT.test(id)) ? out.sort(compareIds) : out.sort();
}
