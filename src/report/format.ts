// Small formatting helpers shared by the renderers: durations and ages, timestamps, truncated
// member lists, and neutralising app data before it reaches a reader (terminalSafe, defined with
// the characters it escapes in src/rules/characters.ts).
export { terminalSafe } from '../rules/characters.js';

const UNITS: Array<[suffix: string, ms: number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * A duration as its two largest units: "850ms", "12s", "3m 12s", "2h 5m", "2d 4h".
 * The second unit is left out when it is zero ("3m", "2d"). Null (still running) is "—".
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  // The first unit that fits, then the next smaller one (floored: "3m 59s", never "4m 0s").
  const i = UNITS.findIndex(([, size]) => total >= size);
  const [suffix, size] = UNITS[i]!;
  const first = `${Math.floor(total / size)}${suffix}`;
  const next = UNITS[i + 1];
  if (next === undefined) return first;
  const n = Math.floor((total % size) / next[1]);
  return n > 0 ? `${first} ${n}${next[0]}` : first;
}

/** A drift age: like formatDuration, but under a second is "<1s" (ages are not measured in ms). */
export function formatAge(ms: number): string {
  return ms < 1000 ? '<1s' : formatDuration(ms);
}

/** "2026-11-25 10:03:12 UTC" from an ISO timestamp (UTC: reports are read across time zones). */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A fraction 0..1 as a percentage: 0.482 → "48.2%". */
export function formatShare(share: number): string {
  const pct = share * 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}

/** Splits a list into the shown head and the number left out (max ≥ 1). */
export function truncateList<T>(items: readonly T[], max: number): { shown: T[]; more: number } {
  if (items.length <= max) return { shown: [...items], more: 0 };
  return { shown: items.slice(0, max), more: items.length - max };
}

/** "u1, u2, u3 … and 7 more". `each` formats (escapes) one member. */
export function formatMembers(members: readonly string[], max: number, each: (s: string) => string = (s) => s): string {
  const { shown, more } = truncateList(members, max);
  const head = shown.map(each).join(', ');
  return more > 0 ? `${head} … and ${more} more` : head;
}
