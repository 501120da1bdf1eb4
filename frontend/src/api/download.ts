// Files the API renders on request (certificate PDFs, SPEC §6 printing): fetched through the
// app's client (`api.fetchFile`: bearer token, refresh on 401, problem+json → ApiProblem), turned
// into a Blob and opened in a new tab for printing, or saved. The errors a person can meet here
// get a plain Chinese explanation: the renderer missing its fonts (503), nothing to print (404).
import { ApiProblem, api } from './client';
import { asProblem, showProblem } from './problem';
import { saveBlob } from '@/utils/ids';

/** What is being printed, for the wording of the errors. */
export type PrintTarget = 'certificate' | 'batch';

const NOT_FOUND: Record<PrintTarget, { title: string; detail: string }> = {
  certificate: {
    title: '未找到该证书的打印文件',
    detail: '证书不存在或无权查看，也可能是服务器尚未开通证书打印功能。请刷新页面后重试，仍不行请联系系统管理员。',
  },
  batch: {
    title: '该批次没有可打印的证书',
    detail: '批次尚未发证、证书不存在或无权查看，也可能是服务器尚未开通证书打印功能。',
  },
};

/**
 * The problem to show for a failed print: the server's own answer where it is already what a
 * person needs, a clearer title where it is not (503 renderer unavailable, 404, a non-PDF body).
 */
export function printProblem(error: unknown, target: PrintTarget): ApiProblem {
  const problem = asProblem(error);
  const base = { status: problem.status, code: problem.code, request_id: problem.request_id, retryAfter: problem.retryAfter };
  if (problem.code === 'PDF_RENDERER_UNAVAILABLE' || problem.status === 503) {
    return new ApiProblem({
      ...base,
      title: '证书打印服务暂不可用',
      detail:
        problem.detail && problem.detail !== problem.title
          ? `${problem.detail}（服务器未能加载证书模板或中文字体，请联系系统管理员。）`
          : '服务器未能加载证书模板或中文字体，暂时无法生成 PDF。请联系系统管理员处理后再打印。',
    });
  }
  if (problem.status === 404) {
    return new ApiProblem({ ...base, ...NOT_FOUND[target] });
  }
  return problem;
}

/**
 * The file name of a `Content-Disposition` header: `filename*` (RFC 5987, UTF-8, for Chinese
 * names) before `filename`; null when there is none.
 */
export function dispositionFileName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // A malformed escape: fall through to the plain name.
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  if (plain) return (plain[2] ?? plain[1]).trim() || null;
  return null;
}

/** A PDF answer: a 2xx whose body is not a PDF (a proxy's HTML page) is an error too. */
export async function fetchPdf(path: string): Promise<{ blob: Blob; fileName: string | null }> {
  const response = await api.fetchFile(path);
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.toLowerCase().includes('application/pdf')) {
    throw new ApiProblem({
      status: response.status,
      code: 'NOT_PDF',
      title: '服务器返回的不是 PDF 文件',
      detail: `返回内容类型为 ${type || '未知'}，请稍后重试或联系系统管理员。`,
      request_id: response.headers.get('x-request-id') ?? '',
    });
  }
  const blob = await response.blob();
  return { blob: new Blob([blob], { type: 'application/pdf' }), fileName: dispositionFileName(response.headers.get('Content-Disposition')) };
}

/**
 * Opens a PDF in a new tab for printing. The tab is opened before the download (the click's own
 * window, so no popup blocker); when the browser refuses one, the file is saved instead. Errors
 * close the tab and are shown; answers whether the PDF arrived.
 */
export async function openPdf(path: string, target: PrintTarget, fallbackName: string): Promise<boolean> {
  const win = window.open('', '_blank');
  try {
    const { blob, fileName } = await fetchPdf(path);
    const url = URL.createObjectURL(blob);
    if (win) {
      win.location.href = url;
    } else {
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName ?? fallbackName;
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return true;
  } catch (error) {
    win?.close();
    showProblem(printProblem(error, target));
    return false;
  }
}

/**
 * Downloads a file the API renders (an archive zip, an export) through the authenticated client
 * and saves it: the server's `Content-Disposition` name, else `fallbackName`. Errors are shown;
 * answers whether the file arrived.
 */
export async function downloadFile(path: string, fallbackName: string): Promise<boolean> {
  try {
    const response = await api.fetchFile(path);
    const blob = await response.blob();
    saveBlob(blob, dispositionFileName(response.headers.get('Content-Disposition')) ?? fallbackName);
    return true;
  } catch (error) {
    showProblem(error);
    return false;
  }
}
