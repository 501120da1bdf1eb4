// The public certificate lookup: the number and verification code of `?number=…&code=…` (the QR
// code's URL) and the verdict a visitor reads first (views/public/certificateLookup.ts).
import { describe, expect, it } from 'vitest';
import { codeFromQuery, numberFromQuery, validityVerdict, verdict } from '@/views/public/certificateLookup';

describe('numberFromQuery', () => {
  it('reads the number of the QR code URL', () => {
    expect(numberFromQuery({ number: 'S000041410001265000001' })).toBe('S000041410001265000001');
  });

  it('upper-cases and drops spaces and dashes copied from paper', () => {
    expect(numberFromQuery({ number: ' s0000 4141 0001-265000001 ' })).toBe('S000041410001265000001');
    expect(numberFromQuery({ number: 's000041410001265000001\u3000' })).toBe('S000041410001265000001');
  });

  it('takes the first value of a repeated parameter', () => {
    expect(numberFromQuery({ number: [null, 'Y000041410001265000009', 'x'] })).toBe('Y000041410001265000009');
  });

  it('is null when absent or empty', () => {
    expect(numberFromQuery({})).toBeNull();
    expect(numberFromQuery({ number: '' })).toBeNull();
    expect(numberFromQuery({ number: '   ' })).toBeNull();
    expect(numberFromQuery({ number: null })).toBeNull();
    expect(numberFromQuery({ number: [] })).toBeNull();
    expect(numberFromQuery({ name: '张三' })).toBeNull();
  });
});

describe('codeFromQuery', () => {
  it('reads the verification code of the QR code URL, upper case, without spaces or dashes', () => {
    expect(codeFromQuery({ number: 'S000041410001265000001', code: '7K3M9QXA' })).toBe('7K3M9QXA');
    expect(codeFromQuery({ code: ' 7k3m-9qxa ' })).toBe('7K3M9QXA');
    expect(codeFromQuery({ code: [null, 'abcd2345'] })).toBe('ABCD2345');
  });

  it('is null when absent or empty', () => {
    expect(codeFromQuery({ number: 'S000041410001265000001' })).toBeNull();
    expect(codeFromQuery({ code: ' ' })).toBeNull();
    expect(codeFromQuery({ code: null })).toBeNull();
  });
});

describe('validityVerdict', () => {
  it('says valid and points to the name for the details', () => {
    const v = validityVerdict({ number: 'S000041410001265000001', status: 'valid', signature_valid: true });
    expect(v).toMatchObject({ tone: 'success', title: '证书有效 · 电子签名核验通过' });
    expect(v.detail).toContain('持证人姓名');
  });

  it('says revoked, or a failed signature first, like the full verdict', () => {
    expect(validityVerdict({ number: 'S000041410001265000001', status: 'revoked', signature_valid: true })).toMatchObject({
      tone: 'error',
      title: '证书已撤销',
    });
    expect(validityVerdict({ number: 'S000041410001265000001', status: 'revoked', signature_valid: false }).title).toBe(
      '电子签名核验未通过，请勿采信',
    );
  });
});

describe('verdict', () => {
  const valid = { status: 'valid', signature_valid: true, revoked_at: null, revoke_reason: null };

  it('says valid when the signature verifies and the certificate is not revoked', () => {
    expect(verdict(valid)).toMatchObject({ tone: 'success', title: '证书有效 · 电子签名核验通过' });
  });

  it('says revoked, with when and why', () => {
    const v = verdict({ status: 'revoked', signature_valid: true, revoked_at: '2026-03-13T02:00:00Z', revoke_reason: '替考' });
    expect(v.tone).toBe('error');
    expect(v.title).toBe('证书已撤销');
    expect(v.detail).toContain('2026-03-13 10:00');
    expect(v.detail).toContain('撤销原因：替考');
  });

  it('puts a failed signature first, even for a valid status', () => {
    const v = verdict({ ...valid, signature_valid: false });
    expect(v.tone).toBe('error');
    expect(v.title).toBe('电子签名核验未通过，请勿采信');
    expect(verdict({ status: 'revoked', signature_valid: false, revoked_at: null, revoke_reason: null }).title).toBe(
      '电子签名核验未通过，请勿采信',
    );
  });
});
