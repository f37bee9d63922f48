// Member-set helpers shared by the shadow store and the planner's callers. Member lists are kept
// in sortIds order (src/rules/ids.ts: by code point, the order of Postgres' "C" collation), so a
// hash computed here equals md5(string_agg(user_id, E'\n' ORDER BY user_id COLLATE "C")) in SQL.
import { createHash } from 'node:crypto';

export { sortIds } from '../rules/ids.js';

export function membersHash(sorted: readonly string[]): string {
  return createHash('md5').update(sorted.join('\n')).digest('hex');
}
