// Printing certificates (api/download.ts): the Chinese explanation of a failed PDF download
// (503 renderer unavailable, 404), and the file name of Content-Disposition.
import { describe, expect, it } from 'vitest';
import { ApiProblem } from '@/api/client';
import { dispositionFileName, printProblem } from '@/api/download';

function problem(status: number, code: string, title = '错误', detail = ''): ApiProblem {
  return new ApiProblem({ status, code, title, detail, request_id: 'req-7' });
}

describe('printProblem', () => {
  it('explains the renderer being unavailable, keeping the server detail and request id', () => {
    const p = printProblem(problem(503, 'PDF_RENDERER_UNAVAILABLE', '服务不可用', '字体文件缺失：NotoSansCJK-Regular.ttc'), 'certificate');
    expect(p.title).toBe('证书打印服务暂不可用');
    expect(p.detail).toContain('字体文件缺失：NotoSansCJK-Regular.ttc');
    expect(p.detail).toContain('请联系系统管理员');
    expect(p.code).toBe('PDF_RENDERER_UNAVAILABLE');
    expect(p.status).toBe(503);
    expect(p.request_id).toBe('req-7');
  });

  it('treats any 503 (a proxy, no body) the same way', () => {
    const p = printProblem(ApiProblem.fallback(503), 'batch');
    expect(p.title).toBe('证书打印服务暂不可用');
    expect(p.detail).toBe('服务器未能加载证书模板或中文字体，暂时无法生成 PDF。请联系系统管理员处理后再打印。');
  });

  it('says what is missing on a 404, for one certificate or for a batch', () => {
    expect(printProblem(problem(404, 'NOT_FOUND'), 'certificate').title).toBe('未找到该证书的打印文件');
    const batch = printProblem(problem(404, 'NOT_FOUND'), 'batch');
    expect(batch.title).toBe('该批次没有可打印的证书');
    expect(batch.detail).toContain('尚未发证');
    expect(batch.request_id).toBe('req-7');
  });

  it('keeps the server answer for the other errors', () => {
    const forbidden = problem(403, 'FORBIDDEN', '无权执行此操作');
    expect(printProblem(forbidden, 'certificate')).toBe(forbidden);
  });

  it('turns a thrown non-problem into a generic failure', () => {
    const p = printProblem(new TypeError('boom'), 'certificate');
    expect(p.title).toBe('操作失败');
    expect(p.detail).toBe('boom');
  });
});

describe('dispositionFileName', () => {
  it('prefers the UTF-8 name (Chinese) over the plain one', () => {
    expect(
      dispositionFileName(`attachment; filename="certificate.pdf"; filename*=UTF-8''${encodeURIComponent('证书-S000041410001265000001.pdf')}`),
    ).toBe('证书-S000041410001265000001.pdf');
  });

  it('reads a quoted or bare plain name', () => {
    expect(dispositionFileName('inline; filename="batch-2C3D4E5F.pdf"')).toBe('batch-2C3D4E5F.pdf');
    expect(dispositionFileName('inline; filename=batch.pdf')).toBe('batch.pdf');
  });

  it('falls back to the plain name when the encoded one is malformed', () => {
    expect(dispositionFileName(`attachment; filename*=UTF-8''%E8%AF; filename="a.pdf"`)).toBe('a.pdf');
  });

  it('is null without a header or a name', () => {
    expect(dispositionFileName(null)).toBeNull();
    expect(dispositionFileName('inline')).toBeNull();
  });
});
