// The one API client of the SPA (STYLE.md "Frontend"): openapi-fetch typed by the generated
// `paths`, with two middlewares:
//   * auth — adds `Authorization: Bearer …`; on a 401 it refreshes the session once
//     (single flight: concurrent 401s wait for the same POST /auth/refresh) and retries the
//     request with the new token; when the refresh fails it logs the user out;
//   * problem — any non-2xx answer (RFC 9457 application/problem+json, SPEC §8) becomes a thrown
//     `ApiProblem`, so callers `await` data or catch one typed error.
// Resource modules (batches.ts, candidates.ts, …) call `api` and `unwrap` the data.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Problem = components['schemas']['Problem'];
export type Violation = components['schemas']['ViolationSchema'];
export type TokenResponse = components['schemas']['TokenResponse'];

/** Chinese titles for answers that carry no problem body (a proxy error, a network failure). */
const FALLBACK_TITLES: Record<number, string> = {
  0: '无法连接服务器，请检查网络后重试',
  400: '请求格式错误',
  401: '登录已失效，请重新登录',
  403: '无权执行此操作',
  404: '未找到，或无权查看',
  409: '数据已被他人修改或当前状态不允许此操作，请刷新后重试',
  413: '文件过大',
  415: '文件类型不支持',
  422: '提交的内容未通过校验',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后重试',
  502: '服务暂时不可用，请稍后重试',
  503: '服务暂时不可用，请稍后重试',
  504: '服务器响应超时，请稍后重试',
};

/** An error answer of the API, as thrown by every call through `api`. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly violations: Violation[];
  readonly request_id: string;
  /** Seconds, from `Retry-After` (429 lockout, rate limits). */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string;
    violations?: Violation[];
    request_id?: string;
    retryAfter?: number | null;
  }) {
    super(init.title);
    this.name = 'ApiProblem';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail ?? '';
    this.violations = init.violations ?? [];
    this.request_id = init.request_id ?? '';
    this.retryAfter = init.retryAfter ?? null;
  }

  /** Builds the error from a non-2xx response; reads the body (problem+json when it is one). */
  static async fromResponse(response: Response): Promise<ApiProblem> {
    const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const retryAfter = Number.isFinite(retry) ? retry : null;
    let body: unknown = null;
    try {
      const text = await response.text();
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (isProblem(body)) {
      return new ApiProblem({
        status: response.status,
        code: body.code,
        title: body.title,
        detail: body.detail,
        violations: body.violations ?? [],
        request_id: body.request_id,
        retryAfter,
      });
    }
    return ApiProblem.fallback(response.status, response.headers.get('x-request-id') ?? '', retryAfter);
  }

  static fallback(status: number, requestId = '', retryAfter: number | null = null): ApiProblem {
    const title =
      FALLBACK_TITLES[status] ?? (status >= 500 ? FALLBACK_TITLES[500] : `请求失败（HTTP ${status}）`);
    return new ApiProblem({
      status,
      code: status === 0 ? 'NETWORK' : `HTTP_${status}`,
      title,
      request_id: requestId,
      retryAfter,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isViolation(value: unknown): value is Violation {
  return isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

/** The server's problem body (SPEC §8). Checked field by field: a proxy may answer anything. */
export function isProblem(value: unknown): value is Problem {
  return (
    isRecord(value) &&
    typeof value.title === 'string' &&
    typeof value.code === 'string' &&
    (value.violations === undefined ||
      (Array.isArray(value.violations) && value.violations.every(isViolation)))
  );
}

function isTokenResponse(value: unknown): value is TokenResponse {
  return (
    isRecord(value) &&
    typeof value.access_token === 'string' &&
    typeof value.refresh_token === 'string' &&
    isRecord(value.user)
  );
}

/** What the client needs from the session (the auth store in the app, a fake in tests). */
export interface AuthHooks {
  accessToken(): string | null;
  refreshToken(): string | null;
  /** A refresh succeeded: keep the new tokens (the refresh token is single use). */
  onRefreshed(session: TokenResponse): void;
  /** The session cannot be renewed: forget it and go to the login page. */
  onAuthFailure(): void;
}

const noHooks: AuthHooks = {
  accessToken: () => null,
  refreshToken: () => null,
  onRefreshed: () => undefined,
  onAuthFailure: () => undefined,
};

/** Calls that must never trigger a refresh: a 401 there means bad credentials or a dead token. */
const AUTH_PATHS = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'];

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  hooks?: () => AuthHooks;
}

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const hooks = options.hooks ?? (() => noHooks);
  // Late-bound so tests (and the browser) can replace globalThis.fetch after the client exists.
  const rawFetch: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const client = createClient<paths>({ baseUrl, fetch: rawFetch });

  // The requests in flight: a copy made before sending (a body can be read only once) and the
  // token it carried, so a 401 can be retried.
  const inFlight = new Map<string, { copy: Request; token: string | null }>();
  let refreshing: Promise<boolean> | null = null;

  /** One POST /auth/refresh at a time; everyone who got a 401 meanwhile awaits the same one. */
  function refreshOnce(): Promise<boolean> {
    if (!refreshing) {
      refreshing = (async () => {
        const refreshToken = hooks().refreshToken();
        if (!refreshToken) return false;
        try {
          const response = await rawFetch(
            new Request(`${baseUrl}/api/v1/auth/refresh`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ refresh_token: refreshToken }),
            }),
          );
          if (!response.ok) return false;
          const session: unknown = await response.json();
          if (!isTokenResponse(session)) return false;
          hooks().onRefreshed(session);
          return true;
        } catch {
          return false;
        }
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  const auth: Middleware = {
    onRequest({ request, schemaPath, id }) {
      if (AUTH_PATHS.includes(schemaPath)) return request;
      const token = hooks().accessToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      inFlight.set(id, { copy: request.clone(), token });
      return request;
    },
    async onResponse({ response, schemaPath, id, options: used }) {
      const sent = inFlight.get(id);
      inFlight.delete(id);
      if (response.status !== 401 || !sent || AUTH_PATHS.includes(schemaPath)) return response;
      // Another request may have renewed the session while this one was on the wire.
      const current = hooks().accessToken();
      const renewed = current !== null && current !== sent.token ? true : await refreshOnce();
      if (!renewed) {
        hooks().onAuthFailure();
        return response;
      }
      const retry = sent.copy;
      retry.headers.set('Authorization', `Bearer ${hooks().accessToken() ?? ''}`);
      const second = await used.fetch(retry);
      if (second.status === 401) hooks().onAuthFailure();
      return second;
    },
    onError({ id }) {
      inFlight.delete(id);
    },
  };

  const problem: Middleware = {
    async onResponse({ response }) {
      if (!response.ok) throw await ApiProblem.fromResponse(response);
      return response;
    },
    onError({ error }) {
      if (error instanceof ApiProblem) return error;
      if (error instanceof DOMException && error.name === 'AbortError') return error;
      return ApiProblem.fallback(0);
    },
  };

  // onResponse runs in reverse order of registration: auth (refresh and retry) sees the 401
  // first, then problem turns whatever is still an error into an ApiProblem.
  client.use(problem, auth);

  /**
   * A GET whose answer is a file (a PDF, a zip), for paths the generated contract may not
   * describe yet: the same bearer token, the same single-flight refresh and one retry on a 401,
   * and any non-2xx answer thrown as an ApiProblem. Answers the raw 2xx Response.
   */
  async function fetchFile(path: string, init: { signal?: AbortSignal } = {}): Promise<Response> {
    const send = async (token: string | null): Promise<Response> => {
      const headers = new Headers();
      if (token) headers.set('Authorization', `Bearer ${token}`);
      try {
        return await rawFetch(new Request(`${baseUrl}${path}`, { method: 'GET', headers, signal: init.signal }));
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        throw ApiProblem.fallback(0);
      }
    };
    const sent = hooks().accessToken();
    let response = await send(sent);
    if (response.status === 401) {
      const current = hooks().accessToken();
      const renewed = current !== null && current !== sent ? true : await refreshOnce();
      if (renewed) response = await send(hooks().accessToken());
      if (response.status === 401) hooks().onAuthFailure();
    }
    if (!response.ok) throw await ApiProblem.fromResponse(response);
    return response;
  }

  return Object.assign(client, { fetchFile });
}

export type ApiClient = ReturnType<typeof createApiClient>;

let appHooks: AuthHooks = noHooks;

/** Wires the app's client to the auth store and router (main.ts). */
export function configureAuth(hooks: AuthHooks): void {
  appHooks = hooks;
}

/** The app's client. */
export const api = createApiClient({ hooks: () => appHooks });

/**
 * The data of a successful call. The problem middleware throws on every error answer, so an
 * absent body here means an empty 2xx answer (204) where the caller expected one.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw ApiProblem.fallback(result.response.status);
  }
  return result.data;
}

/**
 * A fetch for one request that reports upload progress (XMLHttpRequest: fetch cannot). Passed
 * as the per-request `fetch` of openapi-fetch, so auth, retry and problem handling still apply.
 */
export function progressFetch(onProgress: (percent: number) => void): typeof globalThis.fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.blob();
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      request.headers.forEach((value, key) => xhr.setRequestHeader(key, value));
      xhr.responseType = 'blob';
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) {
          onProgress(Math.min(100, Math.round((event.loaded / event.total) * 100)));
        }
      };
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
          const at = line.indexOf(':');
          if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
        }
        onProgress(100);
        const status = xhr.status;
        const nullBody = status === 204 || status === 205 || status === 304;
        resolve(new Response(nullBody ? null : xhr.response, { status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => reject(new TypeError('network error'));
      xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
      request.signal.addEventListener('abort', () => xhr.abort());
      xhr.send(body);
    });
  };
}

/** A list filter's value: one of the query parameter's values, or '' (no filter). */
export type FilterValue<T> = NonNullable<T> | '';
