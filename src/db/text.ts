// Postgres text cannot hold a NUL character; a message quoting a garbled answer could carry one.
// Stored text goes through this so such a row is kept (with U+FFFD in its place), not refused.
export function storableText(s: string): string;
export function storableText(s: string | null | undefined): string | null;
export function storableText(s: string | null | undefined): string | null {
  return s == null ? null : s.replaceAll('\0', '\uFFFD');
}
