// 服务账号 helpers (views/admin/serviceAccounts.ts): scopes from the schema's enum, the form
// check, server violations folded onto fields, status labels.
import { describe, expect, it } from 'vitest';
import type { ServiceScope } from '@/api/serviceAccounts';
import {
  SCOPES,
  accountStatus,
  expiryProblem,
  foldFieldErrors,
  scopeLabel,
  serviceAccountProblems,
} from '@/views/admin/serviceAccounts';

describe('service accounts', () => {
  it('offers every scope of the schema', () => {
    // A compile-time check too: a scope missing from the enum would not type.
    const all: Record<ServiceScope, true> = {
      'certificates:read': true,
      'certificates:export': true,
      'batches:read': true,
    };
    expect(SCOPES.map((s) => s.value).sort()).toEqual(Object.keys(all).sort());
    expect(scopeLabel('batches:read')).toBe('批次只读');
    expect(scopeLabel('certificates:export')).toBe('证书上报导出');
    expect(scopeLabel('x:write')).toBe('x:write');
  });

  it('checks the form before sending', () => {
    expect(serviceAccountProblems('国家平台', ['certificates:read'])).toEqual({});
    expect(serviceAccountProblems('  ', [])).toEqual({ name: expect.stringContaining('请填写'), scopes: '至少选择一项权限' });
    expect(serviceAccountProblems('名'.repeat(101), ['batches:read']).name).toContain('101');
    expect(serviceAccountProblems('名'.repeat(100), ['batches:read'])).toEqual({});
    expect(serviceAccountProblems('x', ['admin:write']).scopes).toContain('admin:write');
  });

  it('checks the token lifetime: 1–365 days', () => {
    expect(serviceAccountProblems('国家平台', ['certificates:read'], 365)).toEqual({});
    expect(serviceAccountProblems('国家平台', ['certificates:read'], 366).expires_in_days).toContain('1–365');
    expect(expiryProblem(0)).toContain('1–365');
    expect(expiryProblem(1.5)).not.toBeNull();
    expect(expiryProblem(90)).toBeNull();
  });

  it('folds scopes.N violations onto scopes', () => {
    expect(foldFieldErrors({ 'scopes.0': '未知', 'scopes.1': '重复', name: '太长' })).toEqual({ scopes: '未知；重复', name: '太长' });
  });

  it('labels the status', () => {
    expect(accountStatus('active')).toEqual({ text: '有效', tag: 'success' });
    expect(accountStatus('revoked')).toEqual({ text: '已吊销', tag: 'info' });
    expect(accountStatus('expired')).toEqual({ text: '已过期', tag: 'warning' });
  });
});
