// Checks ids and names against RongCloud's limits BEFORE anything is planned, and words each
// failure so an operator can fix the row: what is wrong, the number, the limit and the variable
// that sets it. An id that fails here is never acted upon, in either direction: an invalid desired
// membership is not invited, and a remote member whose id fails is not kicked (it is kept).
// The rules themselves are src/rules/ids.ts, the same the client and the emulator apply.
import type { GroupLimits } from '../../config/load.js';
import * as rules from '../../rules/ids.js';
import type { TextProblem } from '../../rules/ids.js';

/** "group id is 31 characters; the limit is 30 (RONGCLOUD_GROUP_ID_MAX)", "user id " b" has…". */
function reason(subject: string, value: string, p: TextProblem | null, setting: string): string | null {
  if (p === null) return null;
  if (p.kind === 'padded') return `${subject} ${JSON.stringify(value)} ${rules.describeProblem(p)}`;
  if (p.kind === 'too_long') return `${subject} ${rules.describeProblem(p)} (${setting})`;
  return `${subject} ${rules.describeProblem(p)}`;
}

/** null when valid, else the reason. */
export function groupIdProblem(id: string, limits: GroupLimits): string | null {
  return reason('group id', id, rules.groupIdProblem(id, limits.groupIdMax), 'RONGCLOUD_GROUP_ID_MAX');
}

/** null when valid, else the reason. */
export function groupNameProblem(name: string, limits: GroupLimits): string | null {
  const p = rules.groupNameProblem(name, limits.groupNameMax);
  if (p?.kind === 'empty' || p?.kind === 'blank') {
    return 'group name is empty; RongCloud needs a name to create or rename a group';
  }
  return reason('group name', name, p, 'RONGCLOUD_GROUP_NAME_MAX');
}

/** null when valid, else the reason. */
export function userIdProblem(id: string, limits: GroupLimits): string | null {
  return reason('user id', id, rules.userIdProblem(id, limits.userIdMax), 'RONGCLOUD_USER_ID_MAX');
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
