// @vitest-environment node
// Array/String.prototype.at for Chromium < 92 (the build targets chrome87).
import { describe, expect, it } from 'vitest';
import { at, installAt } from '@/polyfills';

describe('polyfills', () => {
  it('at() reads from the end with negative indexes, like the standard', () => {
    const list = [1, 2, 3];
    expect(at.call(list, -1)).toBe(3);
    expect(at.call(list, 0)).toBe(1);
    expect(at.call(list, 1.7)).toBe(2);
    expect(at.call(list, 3)).toBeUndefined();
    expect(at.call(list, -4)).toBeUndefined();
    expect(at.call('证件号码', -1)).toBe('码');
  });

  it('installs only where the method is missing', () => {
    class OldArray {
      length = 2;
      0 = 'a';
      1 = 'b';
    }
    expect(installAt(OldArray.prototype)).toBe(true);
    const old: unknown = new OldArray();
    expect(Reflect.apply(Reflect.get(Object(old), 'at'), old, [-1])).toBe('b');
    expect(installAt(Array.prototype)).toBe(false);
  });
});
