// The id and name rules every layer shares (config, planner, client, emulator), and the one id order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIds, describeLength, describeProblem, groupIdProblem, groupNameProblem, sortIds, userIdProblem, utf16Length, utf8Length } from '../../src/rules/ids.js';

describe('lengths', () => {
  it('measures group ids and names in UTF-16 code units, user ids in UTF-8 bytes', () => {
    expect(utf16Length('abc')).toBe(3);
    expect(utf16Length('群组')).toBe(2);
    expect(utf16Length('😀')).toBe(2);
    expect(utf16Length('群组😀')).toBe(4);
    expect(utf8Length('a')).toBe(1);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('中')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('\ud800')).toBe(3);
  });

  it('describes a length in the words an operator can check', () => {
    expect(describeLength('abc', 'utf16')).toBe('3 characters');
    expect(describeLength('😀'.repeat(30), 'utf16')).toBe('60 UTF-16 code units (30 characters)');
    expect(describeLength('中', 'utf8')).toBe('3 bytes');
  });

  it('limits are inclusive', () => {
    expect(groupIdProblem('😀'.repeat(15), 30)).toBeNull();
    expect(groupIdProblem(`${'😀'.repeat(15)}x`, 30)).toMatchObject({ kind: 'too_long', length: 31, limit: 30, unit: 'utf16' });
    expect(userIdProblem('x'.repeat(64), 64)).toBeNull();
    expect(userIdProblem(`${'x'.repeat(63)}é`, 64)).toMatchObject({ kind: 'too_long', length: 65, limit: 64, unit: 'utf8' });
    expect(groupNameProblem('n'.repeat(60), 60)).toBeNull();
  });
});

describe('id problems', () => {
  it('orders the checks: empty, whitespace, forbidden character, padding, length', () => {
    expect(groupIdProblem('', 30)).toEqual({ kind: 'empty' });
    expect(groupIdProblem(' \t ', 30)).toEqual({ kind: 'blank' });
    expect(describeProblem(groupIdProblem('g\n', 30)!)).toBe('contains control character U+000A at position 1');
    expect(groupIdProblem(' g', 30)).toEqual({ kind: 'padded' });
    expect(describeProblem(groupIdProblem(`\u202e${'x'.repeat(40)}`, 30)!)).toBe('contains bidirectional control U+202E at position 0');
  });

  it('accepts ordinary ids in any script, emoji with joiners included', () => {
    for (const id of ['team-1_x', '产品研发', 'فريق', 'a+b&c=d %', '👨‍👩‍👧', 'x\u00a0y']) {
      expect(groupIdProblem(id, 64), id).toBeNull();
      expect(userIdProblem(id, 64), id).toBeNull();
    }
  });

  it('names allow tab, CR, LF, bidi marks and outer spaces; other controls are refused', () => {
    for (const name of ['a\tb', 'a\r\nb', ' padded ', 'x\u202ey', 'x\u200fy']) expect(groupNameProblem(name, 60), JSON.stringify(name)).toBeNull();
    expect(groupNameProblem('', 60)).toEqual({ kind: 'empty' });
    expect(groupNameProblem('  ', 60)).toEqual({ kind: 'blank' });
    expect(describeProblem(groupNameProblem('a\x1bb', 60)!)).toBe('contains control character U+001B at position 1');
    expect(describeProblem(groupNameProblem('a\x85', 60)!)).toBe('contains control character U+0085 at position 1');
  });
});

describe('id order', () => {
  it('is code point order: the order of UTF-8 bytes and of COLLATE "C"', () => {
    // Plain `<` (UTF-16 code units) would put U+FFFD after the emoji.
    expect(sortIds(['\ufffd', '😀', 'b', 'a', 'a'])).toEqual(['a', 'b', '\ufffd', '😀']);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareIds(a, b))).toBe(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      }),
      { numRuns: 2000 },
    );
  });

  it('sortIds gives that order whether or not the ids hold units from U+D800 up', () => {
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }))), (ids) => {
        expect(sortIds(ids)).toEqual([...new Set(ids)].sort(byBytes));
      }),
      { numRuns: 500 },
    );
  });

  it('sortIds removes duplicates', () => {
    expect(sortIds(new Set(['b', 'a']))).toEqual(['a', 'b']);
    expect(sortIds(['x', 'x'])).toEqual(['x']);
  });
});
