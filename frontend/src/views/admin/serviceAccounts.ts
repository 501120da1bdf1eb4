// Pure helpers of the 服务账号 page (admin): the scopes in Chinese (from the schema's enum), the
// form check before sending, and status labels. No Vue, no API calls: tests/admin-service-accounts.test.ts.
import type { ServiceScope } from '@/api/serviceAccounts';

/** Every scope the API knows, in the order the form offers them, with what each allows. */
export const SCOPES: { value: ServiceScope; label: string; description: string }[] = [
  { value: 'certificates:read', label: '证书只读', description: '按证书编号查询证书（证件号码脱敏）' },
  { value: 'certificates:export', label: '证书上报导出', description: '导出证书上报文件（含完整证件号码），每次下载均记入审计日志' },
  { value: 'batches:read', label: '批次只读', description: '查看所有评价机构的认定批次（只读）' },
];

export function scopeLabel(scope: string): string {
  return SCOPES.find((s) => s.value === scope)?.label ?? scope;
}

/** The server's limit on a name (characters). */
export const NAME_MAX = 100;

/** Token lifetime in days: 90 unless chosen, at most 365 (the server's limits). */
export const EXPIRY_DEFAULT_DAYS = 90;
export const EXPIRY_MAX_DAYS = 365;

export function expiryProblem(days: number): string | null {
  if (!Number.isInteger(days) || days < 1 || days > EXPIRY_MAX_DAYS) return `有效期应为 1–${EXPIRY_MAX_DAYS} 天`;
  return null;
}

/** Field errors to show before sending (name required, ≤ 100 characters; at least one scope; 1–365 days). */
export function serviceAccountProblems(
  name: string,
  scopes: readonly string[],
  days: number = EXPIRY_DEFAULT_DAYS,
): Record<string, string> {
  const out: Record<string, string> = {};
  const expiry = expiryProblem(days);
  if (expiry) out.expires_in_days = expiry;
  const text = name.trim();
  if (!text) out.name = '请填写名称（使用该账号的系统）';
  else if ([...text].length > NAME_MAX) out.name = `名称不超过 ${NAME_MAX} 字（当前 ${[...text].length} 字）`;
  if (scopes.length === 0) out.scopes = '至少选择一项权限';
  else {
    const unknown = scopes.filter((s) => !SCOPES.some((k) => k.value === s));
    if (unknown.length) out.scopes = `未知权限：${unknown.join('、')}`;
  }
  return out;
}

/** Server violations (`scopes.0`, …) folded onto the form's fields. */
export function foldFieldErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const key = field.startsWith('scopes') ? 'scopes' : field;
    out[key] = out[key] ? `${out[key]}；${message}` : message;
  }
  return out;
}

export function accountStatus(status: string): { text: string; tag: 'success' | 'info' | 'warning' } {
  if (status === 'active') return { text: '有效', tag: 'success' };
  if (status === 'expired') return { text: '已过期', tag: 'warning' };
  return { text: '已吊销', tag: 'info' };
}
