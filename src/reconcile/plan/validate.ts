// Checks ids and names against RongCloud's limits BEFORE anything is planned, and words each
// failure so an operator can fix the row: what is wrong, the number, the limit and the variable
// that sets it. An id that fails here is never acted upon, in either direction: an invalid desired
// membership is not invited, and a remote member whose id fails is not kicked (it is kept).
import type { GroupLimits } from '../../config/load.js';

/** Length in Unicode code points ("chars" as RongCloud counts group ids and names). */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Length in UTF-8 bytes (RongCloud limits user ids in bytes). Lone surrogates count as U+FFFD (3). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function blankProblem(what: string, s: string): string | null {
  if (s.length === 0) return `${what} is empty`;
  if (s.trim().length === 0) return `${what} is only whitespace`;
  if (s.trim() !== s) return `${what} ${JSON.stringify(s)} has leading or trailing whitespace`;
  return null;
}

/** null when valid, else the reason. */
export function groupIdProblem(id: string, limits: GroupLimits): string | null {
  const blank = blankProblem('group id', id);
  if (blank) return blank;
  const n = charLength(id);
  if (n > limits.groupIdMax) return `group id is ${n} chars; the limit is ${limits.groupIdMax} (RONGCLOUD_GROUP_ID_MAX)`;
  return null;
}

/**
 * null when valid, else the reason. An empty or whitespace-only name is invalid: create and
 * refresh require a name, and rongsync does not invent one (e.g. from the id) behind the app's back.
 */
export function groupNameProblem(name: string, limits: GroupLimits): string | null {
  if (name.trim().length === 0) {
    return 'group name is empty; RongCloud needs a name to create or rename a group';
  }
  const n = charLength(name);
  if (n > limits.groupNameMax) {
    return `group name is ${n} chars; the limit is ${limits.groupNameMax} (RONGCLOUD_GROUP_NAME_MAX)`;
  }
  return null;
}

/** null when valid, else the reason. */
export function userIdProblem(id: string, limits: GroupLimits): string | null {
  const blank = blankProblem('user id', id);
  if (blank) return blank;
  const n = utf8Length(id);
  if (n > limits.userIdMax) return `user id is ${n} bytes; the limit is ${limits.userIdMax} (RONGCLOUD_USER_ID_MAX)`;
  return null;
}

/** Memoises userIdProblem: the same user id appears in many groups. */
export class UserIdChecker {
  private cache = new Map<string, string | null>();
  constructor(private readonly limits: GroupLimits) {}
  problem(id: string): string | null {
    let p = this.cache.get(id);
    if (p === undefined) {
      p = userIdProblem(id, this.limits);
      this.cache.set(id, p);
    }
    return p;
  }
}

/** RegExp.test without the lastIndex trap of /g and /y patterns. */
export function matchesPattern(re: RegExp | undefined, s: string): boolean {
  if (!re) return false;
  re.lastIndex = 0;
  const hit = re.test(s);
  re.lastIndex = 0;
  return hit;
}
