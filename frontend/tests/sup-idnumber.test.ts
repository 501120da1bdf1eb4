// Client-side checks of ID and certificate numbers (components/idNumber.ts).
import { describe, expect, it } from 'vitest';
import { certificateNumberProblem, residentIdCheckChar, residentIdProblem } from '@/components/idNumber';

describe('resident ID numbers', () => {
  it('computes the GB 11643 check character', () => {
    // The standard's own example: 11010519491231002X.
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('41010219900307001')).toBe('9');
  });

  it('accepts a valid number, lower-case x included', () => {
    expect(residentIdProblem('11010519491231002X')).toBeNull();
    expect(residentIdProblem(' 11010519491231002x ')).toBeNull();
    expect(residentIdProblem('410102199003070019')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(residentIdProblem('110105194912310021')).toContain('校验位');
    expect(residentIdProblem('1101051949123100')).toContain('18位');
    expect(residentIdProblem('110105194913310028')).toContain('出生日期');
  });
});

describe('certificate numbers', () => {
  it('accepts the 22-character national format', () => {
    expect(certificateNumberProblem('S000041123456263000001')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(certificateNumberProblem('S00004112345626300000')).toContain('22位');
    expect(certificateNumberProblem('S000042123456263000001')).toContain('41');
    expect(certificateNumberProblem('S000041123456267000001')).toContain('等级');
    expect(certificateNumberProblem('0000041123456263000001')).toContain('字母');
  });
});
