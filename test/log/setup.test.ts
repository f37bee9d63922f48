// How logs look: human lines on a terminal, JSON elsewhere; one-shot commands quiet on a terminal
// unless LOG_LEVEL says otherwise; NO_COLOR / FORCE_COLOR.
import { describe, expect, it } from 'vitest';
import { chooseLogSetup, wantsColor } from '../../src/log/setup.js';

describe('chooseLogSetup', () => {
  const base = { level: undefined, format: 'auto', terminal: false, oneShot: true, color: true } as const;

  it('auto: human lines on a terminal, JSON otherwise', () => {
    expect(chooseLogSetup({ ...base, terminal: true })).toEqual({ level: 'warn', pretty: true, color: true });
    expect(chooseLogSetup({ ...base, terminal: false })).toEqual({ level: 'info', pretty: false, color: false });
  });

  it('json and pretty are taken as asked, whatever the terminal', () => {
    expect(chooseLogSetup({ ...base, format: 'json', terminal: true })).toMatchObject({ pretty: false, level: 'info', color: false });
    expect(chooseLogSetup({ ...base, format: 'pretty', terminal: false, color: false })).toMatchObject({ pretty: true, level: 'warn', color: false });
  });

  it('keeps info for long-running commands, and any level LOG_LEVEL names', () => {
    expect(chooseLogSetup({ ...base, terminal: true, oneShot: false }).level).toBe('info');
    expect(chooseLogSetup({ ...base, terminal: true, level: 'info' }).level).toBe('info');
    expect(chooseLogSetup({ ...base, terminal: true, level: 'debug' }).level).toBe('debug');
    expect(chooseLogSetup({ ...base, terminal: false, level: 'error' }).level).toBe('error');
  });
});

describe('wantsColor', () => {
  it('follows the terminal unless NO_COLOR or FORCE_COLOR says otherwise', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: '' }, true)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: 'x', FORCE_COLOR: '1' }, true)).toBe(false);
  });
});
