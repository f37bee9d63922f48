// The mass-deletion guard: a plan that would remove more memberships than the operator allowed
// (absolute count or share of what was observed) is held back whole — no kick, no dismiss, no
// sync — until approved. It exists because a wrong observation (a truncated table read, a
// misconfigured scope) looks exactly like "the app deleted everyone".
import type { GroupDiff } from './diff.js';
import type { GuardBlock, PlanPolicy } from './types.js';

/**
 * At or below this many deletes only `maxDeletes` applies, not the share rule: in a tiny app
 * removing one member of four is 25 % of everything, and the guard must not make every ordinary
 * kick need approval. (A plan of ≤ 10 removals is easy to undo by hand.)
 */
const GUARD_SMALL_DELETES = 10;

export interface GuardResult {
  deletes: number;
  share: number;
  /** Memberships observed across known, existing groups in scope (the share's denominator). */
  observed: number;
  blocked?: GuardBlock;
}

export function evaluateGuard(diffs: readonly GroupDiff[], policy: PlanPolicy): GuardResult {
  let deletes = 0;
  let observed = 0;
  for (const d of diffs) {
    observed += d.remoteMembers.size;
    if (!d.actionable) continue;
    deletes += d.removes.length + (d.dismiss ? d.dismissedMembers.length : 0);
  }
  const share = observed === 0 ? 0 : deletes / observed;
  const overCount = deletes > policy.maxDeletes;
  const overShare = deletes > GUARD_SMALL_DELETES && share > policy.maxDeleteShare;
  const result: GuardResult = { deletes, share, observed };
  if ((overCount || overShare) && !policy.allowDeletes) {
    const limits: string[] = [];
    if (overCount) limits.push(`more than RONGSYNC_MAX_DELETES=${policy.maxDeletes}`);
    if (overShare) limits.push(`more than RONGSYNC_MAX_DELETE_SHARE=${policy.maxDeleteShare} of the memberships observed`);
    result.blocked = {
      reason:
        `mass-deletion guard: this plan would remove ${deletes} of ${observed} observed memberships ` +
        `(${(share * 100).toFixed(1)}%), ${limits.join(' and ')}; no kick, dismiss or sync was planned ` +
        `(adds, creates and renames go ahead). If the removals are intended, approve them with ` +
        `--allow-deletes or RONGSYNC_ALLOW_DELETES=true.`,
      deletes,
      share,
    };
  }
  return result;
}
