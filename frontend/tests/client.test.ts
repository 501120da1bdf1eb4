// @vitest-environment node
// The client middleware against a fake server: bearer header, refresh on 401 (once, shared by
// concurrent requests), retry, logout when the refresh fails, problem+json → ApiProblem.
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem, createApiClient, unwrap, type AuthHooks, type TokenResponse } from '@/api/client';

type Handler = (request: Request) => Response | Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

const me = {
  id: '00000000-0000-0000-0000-000000000001',
  username: 'train1',
  display_name: '培训一',
  role: 'institution',
  role_name: '评价机构经办人',
};

function session(n: number): TokenResponse {
  return {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: 'Bearer',
    expires_in: 900,
    user: { id: me.id, username: me.username, display_name: me.display_name, role: 'institution' },
  };
}

/** A fake API: `/me` needs the current access token; `/auth/refresh` rotates it. */
function fakeServer(opts: { refreshOk?: boolean; refreshDelayMs?: number } = {}) {
  let current = 'access-2';
  let issued = 1;
  const calls: string[] = [];
  const refreshBodies: unknown[] = [];
  const handler: Handler = async (request) => {
    const url = new URL(request.url);
    calls.push(`${request.method} ${url.pathname} ${request.headers.get('Authorization') ?? '-'}`);
    if (url.pathname === '/api/v1/auth/refresh') {
      refreshBodies.push(await request.json());
      if (opts.refreshDelayMs) await new Promise((r) => setTimeout(r, opts.refreshDelayMs));
      if (opts.refreshOk === false) {
        return json(401, { type: 'about:blank', title: '登录已失效', status: 401, detail: '', code: 'UNAUTHORIZED', request_id: 'r' });
      }
      issued += 1;
      current = `access-${issued}`;
      return json(200, session(issued));
    }
    if (request.headers.get('Authorization') !== `Bearer ${current}`) {
      return json(401, { type: 'about:blank', title: '未登录', status: 401, detail: 'token expired', code: 'UNAUTHORIZED', request_id: 'r1' });
    }
    if (url.pathname === '/api/v1/me') return json(200, me);
    if (url.pathname === '/api/v1/batches') {
      const body: unknown = await request.json();
      return json(201, { echoed: body });
    }
    return json(404, { type: 'about:blank', title: '未找到', status: 404, detail: '', code: 'NOT_FOUND', request_id: 'r2' });
  };
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(handler(input instanceof Request ? input : new Request(input, init))),
  );
  return { fetchMock, calls, refreshBodies, current: () => current };
}

function fakeSession(start: TokenResponse) {
  let tokens = { access: start.access_token as string | null, refresh: start.refresh_token as string | null };
  const failures = vi.fn();
  const hooks: AuthHooks = {
    accessToken: () => tokens.access,
    refreshToken: () => tokens.refresh,
    onRefreshed: (s) => {
      tokens = { access: s.access_token, refresh: s.refresh_token };
    },
    onAuthFailure: () => {
      failures();
      tokens = { access: null, refresh: null };
    },
  };
  return { hooks, failures, tokens: () => tokens };
}

describe('auth middleware', () => {
  it('sends the access token as a bearer header', async () => {
    const server = fakeServer();
    const auth = fakeSession(session(2));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    const data = unwrap(await api.GET('/api/v1/me'));

    expect(data.username).toBe('train1');
    expect(server.calls).toEqual(['GET /api/v1/me Bearer access-2']);
  });

  it('refreshes once on 401 and retries the request with the new token and the same body', async () => {
    const server = fakeServer();
    const auth = fakeSession(session(1)); // stale access token
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    const result = await api.POST('/api/v1/batches', {
      body: {
        module: 'supervised',
        method: 'exam',
        year: 2026,
        exam_start: '2026-03-10',
        exam_end: '2026-03-11',
        venue: '洛阳',
        venue_region: '4103',
        occupations: [],
      },
    });

    expect(result.response.status).toBe(201);
    expect(result.data).toMatchObject({ echoed: { venue: '洛阳', year: 2026 } });
    expect(server.refreshBodies).toEqual([{ refresh_token: 'refresh-1' }]);
    expect(server.calls).toEqual([
      'POST /api/v1/batches Bearer access-1',
      'POST /api/v1/auth/refresh -',
      'POST /api/v1/batches Bearer access-2',
    ]);
    expect(auth.tokens()).toEqual({ access: 'access-2', refresh: 'refresh-2' });
    expect(auth.failures).not.toHaveBeenCalled();
  });

  it('shares one refresh between concurrent 401s (single flight)', async () => {
    const server = fakeServer({ refreshDelayMs: 20 });
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    const results = await Promise.all([api.GET('/api/v1/me'), api.GET('/api/v1/me'), api.GET('/api/v1/me'), api.GET('/api/v1/me')]);

    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200]);
    expect(server.refreshBodies).toHaveLength(1);
    expect(server.calls.filter((c) => c.startsWith('POST /api/v1/auth/refresh'))).toHaveLength(1);
    expect(server.calls.filter((c) => c === 'GET /api/v1/me Bearer access-2')).toHaveLength(4);
  });

  it('retries without refreshing again when another request already renewed the session', async () => {
    const server = fakeServer();
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    await api.GET('/api/v1/me'); // refreshes: access-2
    // A request that left with the old token and comes back 401 after the refresh finished.
    const late = await server.fetchMock(new Request('http://api.test/api/v1/me', { headers: { Authorization: 'Bearer access-1' } }));
    expect(late.status).toBe(401);
    const again = await api.GET('/api/v1/me');

    expect(again.response.status).toBe(200);
    expect(server.refreshBodies).toHaveLength(1);
  });

  it('logs out and throws the 401 problem when the refresh fails', async () => {
    const server = fakeServer({ refreshOk: false });
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    const error = await api.GET('/api/v1/me').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).status).toBe(401);
    expect((error as ApiProblem).code).toBe('UNAUTHORIZED');
    expect(auth.failures).toHaveBeenCalledTimes(1);
    expect(auth.tokens()).toEqual({ access: null, refresh: null });
    // No retry of the original request after a failed refresh.
    expect(server.calls.filter((c) => c.startsWith('GET /api/v1/me'))).toHaveLength(1);
  });

  it('never refreshes on a 401 from the login call (wrong password)', async () => {
    const fetchMock = vi.fn(async () =>
      json(401, { type: 'about:blank', title: '用户名或密码错误', status: 401, detail: '', code: 'UNAUTHORIZED', request_id: 'x' }),
    );
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock, hooks: () => auth.hooks });

    const error = await api.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).title).toBe('用户名或密码错误');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(auth.failures).not.toHaveBeenCalled();
  });
});

describe('problem middleware', () => {
  it('turns problem+json into an ApiProblem with every violation', async () => {
    const problem = {
      type: 'about:blank',
      title: '批次不符合规定',
      status: 422,
      detail: '2 处不符合',
      code: 'MIN_HEADCOUNT',
      request_id: 'req-42',
      violations: [
        { code: 'MIN_HEADCOUNT', field: 'occupations[0].planned_count', message: '每一职业考试人数不少于15人', details: { planned: 3 } },
        { code: 'EXAM_LEAD_TIME', field: 'exam_start', message: '考试时间应安排在考试计划申报之日起三个工作日后', details: {} },
      ],
    };
    const fetchMock = vi.fn(async () => json(422, problem));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock });

    const error = await api.GET('/api/v1/me').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    const p = error as ApiProblem;
    expect(p.status).toBe(422);
    expect(p.code).toBe('MIN_HEADCOUNT');
    expect(p.title).toBe('批次不符合规定');
    expect(p.detail).toBe('2 处不符合');
    expect(p.request_id).toBe('req-42');
    expect(p.violations.map((v) => [v.field, v.code])).toEqual([
      ['occupations[0].planned_count', 'MIN_HEADCOUNT'],
      ['exam_start', 'EXAM_LEAD_TIME'],
    ]);
    expect(p.violations[0].details).toEqual({ planned: 3 });
  });

  it('reads Retry-After on a 429 lockout', async () => {
    const fetchMock = vi.fn(async () =>
      json(429, { type: 'about:blank', title: '登录失败次数过多，账号已暂时锁定', status: 429, detail: '', code: 'RATE_LIMITED', request_id: 'x' }, { 'Retry-After': '900' }),
    );
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock });

    const error = await api.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } }).catch((e: unknown) => e);

    expect((error as ApiProblem).status).toBe(429);
    expect((error as ApiProblem).retryAfter).toBe(900);
    expect((error as ApiProblem).title).toBe('登录失败次数过多，账号已暂时锁定');
  });

  it('gives a Chinese title to an error without a problem body (a proxy page)', async () => {
    const fetchMock = vi.fn(async () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock });

    const error = await api.GET('/api/v1/me').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).status).toBe(502);
    expect((error as ApiProblem).title).toBe('服务暂时不可用，请稍后重试');
    expect((error as ApiProblem).violations).toEqual([]);
  });

  it('turns a network failure into an ApiProblem with status 0', async () => {
    const fetchMock = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock });

    const error = await api.GET('/api/v1/me').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).status).toBe(0);
    expect((error as ApiProblem).title).toContain('无法连接服务器');
  });
});

describe('fetchFile (files such as certificate PDFs)', () => {
  function pdf(): Response {
    return new Response('%PDF-1.7 …', { status: 200, headers: { 'Content-Type': 'application/pdf' } });
  }

  it('sends the bearer token and answers the raw response', async () => {
    const calls: string[] = [];
    const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
      const request = input instanceof Request ? input : new Request(input);
      calls.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('Authorization') ?? '-'}`);
      return pdf();
    });
    const auth = fakeSession(session(2));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock, hooks: () => auth.hooks });

    const response = await api.fetchFile('/api/v1/certificates/c1/pdf');

    expect(await response.text()).toBe('%PDF-1.7 …');
    expect(calls).toEqual(['GET /api/v1/certificates/c1/pdf Bearer access-2']);
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    const server = fakeServer();
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    // The fake answers /me for a good token: enough to see the retry.
    const response = await api.fetchFile('/api/v1/me');

    expect(response.status).toBe(200);
    expect(server.calls).toEqual(['GET /api/v1/me Bearer access-1', 'POST /api/v1/auth/refresh -', 'GET /api/v1/me Bearer access-2']);
    expect(auth.failures).not.toHaveBeenCalled();
  });

  it('logs out and throws the 401 when the refresh fails', async () => {
    const server = fakeServer({ refreshOk: false });
    const auth = fakeSession(session(1));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: server.fetchMock, hooks: () => auth.hooks });

    const error = await api.fetchFile('/api/v1/me').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).status).toBe(401);
    expect(auth.failures).toHaveBeenCalledTimes(1);
  });

  it('throws the problem+json of an error answer (503 renderer unavailable)', async () => {
    const body = {
      type: 'about:blank',
      title: '证书打印服务不可用',
      status: 503,
      detail: '未找到中文字体',
      code: 'PDF_RENDERER_UNAVAILABLE',
      request_id: 'r-503',
    };
    const fetchMock = vi.fn(async () => json(503, body));
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock, hooks: () => fakeSession(session(2)).hooks });

    const error = await api.fetchFile('/api/v1/batches/b1/certificates/pdf').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({ status: 503, code: 'PDF_RENDERER_UNAVAILABLE', detail: '未找到中文字体', request_id: 'r-503' });
  });

  it('turns a network failure into the NETWORK problem', async () => {
    const fetchMock = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = createApiClient({ baseUrl: 'http://api.test', fetch: fetchMock });

    const error = await api.fetchFile('/api/v1/certificates/c1/pdf').catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 0, code: 'NETWORK' });
  });
});
