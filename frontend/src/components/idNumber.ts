// 居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character, and the
// 22-character certificate number (SPEC §6). Only to tell a person about a typo before the
// round trip; the server checks again and its answer is what counts.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** Why an 18-character 居民身份证号码 is wrong, or null when it is well formed. */
export function residentIdProblem(value: string): string | null {
  const id = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return '居民身份证号码应为18位（前17位为数字，末位为数字或X）';
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (month < 1 || month > 12 || day < 1 || day > 31) return '居民身份证号码中的出生日期无效';
  if (residentIdCheckChar(id) !== id[17]) return '居民身份证号码校验位不正确，请核对';
  return null;
}

/**
 * Why a certificate number is wrong, or null: 22 characters — a letter (Y/S/…), the 4-digit
 * filing code, `41`, the 6-digit site code, the 2-digit year, the level 1–5, a 6-digit serial.
 */
export function certificateNumberProblem(value: string): string | null {
  const n = value.trim().toUpperCase();
  if (n.length !== 22) return `证书编号应为22位，当前为${n.length}位`;
  if (!/^[A-Z]\d{21}$/.test(n)) return '证书编号应为1位字母加21位数字';
  if (n.slice(5, 7) !== '41') return '证书编号第6–7位应为河南省代码41';
  if (!/[1-5]/.test(n[15])) return '证书编号第16位（等级）应为1–5';
  return null;
}
