// Pure formatting helpers: no database.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatMembers, formatShare, formatTimestamp, terminalSafe } from '../../src/report/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1s'],
    [12_400, '12s'],
    [60_000, '1m'],
    [192_000, '3m 12s'],
    [3600_000 + 5 * 60_000 + 59_000, '1h 5m'],
    [(2 * 24 + 4) * 3600_000 + 7 * 60_000, '2d 4h'],
    [3 * 86_400_000 + 30_000, '3d'],
    [400 * 86_400_000, '400d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('shows a missing duration as a dash and clamps negatives', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-5)).toBe('0ms');
  });
});

describe('formatMembers', () => {
  it('lists all members up to the limit, then "… and N more"', () => {
    expect(formatMembers(['u1', 'u2'], 3)).toBe('u1, u2');
    expect(formatMembers(['u1', 'u2', 'u3', 'u4', 'u5'], 3)).toBe('u1, u2, u3 … and 2 more');
    expect(formatMembers(['a', 'b'], 1, (s) => s.toUpperCase())).toBe('A … and 1 more');
  });
});

describe('formatTimestamp / formatShare / terminalSafe', () => {
  it('formats in UTC', () => {
    expect(formatTimestamp('2026-11-25T10:03:12.345Z')).toBe('2026-11-25 10:03:12 UTC');
    expect(formatTimestamp(null)).toBe('—');
  });

  it('formats a share as a percentage', () => {
    expect(formatShare(0.482)).toBe('48.2%');
    expect(formatShare(0.25)).toBe('25%');
  });

  it('escapes control characters so app data cannot drive the terminal', () => {
    expect(terminalSafe('g\u001b[31mred\nline')).toBe('g\\x1b[31mred\\x0aline');
    expect(terminalSafe('plain ✓ 中文')).toBe('plain ✓ 中文');
  });
});
