// Member-set helpers shared by the shadow store and the planner's callers. Ids are kept sorted by
// their UTF-8 bytes — the order of Postgres' "C" collation — so a hash computed here equals
// md5(string_agg(user_id, E'\n' ORDER BY user_id COLLATE "C")) computed in SQL.
import { createHash } from 'node:crypto';

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareBytes);
}

export function membersHash(sorted: readonly string[]): string {
  return createHash('md5').update(sorted.join('\n')).digest('hex');
}
