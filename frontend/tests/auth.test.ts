// The auth store: login keeps the session in sessionStorage, logout forgets it.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const me = {
  id: '00000000-0000-0000-0000-0000000000aa',
  username: 'emp1',
  display_name: '用人单位一',
  role: 'institution',
  role_name: '评价机构经办人',
  institution_id: '00000000-0000-0000-0000-0000000000bb',
  institution: { id: '00000000-0000-0000-0000-0000000000bb', name: '郑州某公司', kind: 'employer', kind_name: '省管用人单位评价机构' },
};

function reply(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('auth store', () => {
  beforeEach(() => {
    sessionStorage.clear();
    vi.resetModules();
    setActivePinia(createPinia());
    // Node's Request (used under jsdom) does not resolve '/api/…' against the page as a browser
    // does; the app's client has baseUrl '' exactly because the browser does.
    const NodeRequest = globalThis.Request;
    vi.stubGlobal(
      'Request',
      class extends NodeRequest {
        constructor(input: RequestInfo | URL, init?: RequestInit) {
          super(typeof input === 'string' ? new URL(input, window.location.href) : input, init);
        }
      },
    );
  });

  it('logs in, loads /me and keeps the session across a reload', async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        calls.push(`${input.method} ${new URL(input.url, 'http://x').pathname}`);
        if (input.url.endsWith('/api/v1/auth/login')) {
          return reply(200, { access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900, user: { id: me.id, username: 'emp1', display_name: me.display_name, role: 'institution' } });
        }
        return reply(200, me);
      }),
    );
    const { useAuthStore } = await import('@/stores/auth');
    const { configureAuth } = await import('@/api/client');
    const auth = useAuthStore();
    configureAuth({ accessToken: () => auth.accessToken, refreshToken: () => auth.refreshToken, onRefreshed: auth.setSession, onAuthFailure: auth.clear });

    await auth.login('emp1', 'Demo@2026');

    expect(calls).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/me']);
    expect(auth.role).toBe('institution');
    expect(auth.home).toBe('/inst');
    expect(auth.institution?.kind).toBe('employer');
    const stored = JSON.parse(sessionStorage.getItem('skillcert.session') ?? 'null');
    expect(stored).toMatchObject({ accessToken: 'a1', refreshToken: 'r1', user: { username: 'emp1' } });
    expect(localStorage.length).toBe(0);

    // A reload: a new store reads the same tab's session.
    setActivePinia(createPinia());
    const again = useAuthStore();
    expect(again.loggedIn).toBe(true);
    expect(again.displayName).toBe('用人单位一');
  });

  it('logs out on the server with the refresh token and forgets the session', async () => {
    sessionStorage.setItem(
      'skillcert.session',
      JSON.stringify({ accessToken: 'a1', refreshToken: 'r9', expiresAt: 0, user: { id: me.id, username: 'emp1', display_name: 'x', role: 'institution' }, me: null }),
    );
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        bodies.push(await input.json());
        return reply(204, null);
      }),
    );
    const { useAuthStore } = await import('@/stores/auth');
    const auth = useAuthStore();
    expect(auth.loggedIn).toBe(true);

    await auth.logout();

    expect(bodies).toEqual([{ refresh_token: 'r9' }]);
    expect(auth.loggedIn).toBe(false);
    expect(sessionStorage.getItem('skillcert.session')).toBeNull();
  });
});
