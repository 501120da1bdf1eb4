// The signed-in session: tokens, the user, their role and institution (SPEC §1, §8 auth).
//
// Tokens live in sessionStorage, not localStorage and not only in memory:
//   * a reload (F5, common in back-office work) keeps the user signed in — memory alone would not;
//   * closing the tab or browser ends the session on the machine: government desktops are often
//     shared, and localStorage would leave a refresh token on disk for the next person;
//   * each tab has its own session, so two accounts (e.g. an institution and a supervisor during
//     training) can be used side by side without one rotating the other's refresh token away.
// An XSS could read either storage; the defence is the CSP and Vue's escaping, not the storage.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, unwrap, type TokenResponse } from '@/api/client';
import type { components } from '@/api/schema';

export type Role = components['schemas']['Role'];
export type SessionUser = components['schemas']['SessionUser'];
export type Me = components['schemas']['MeView'];

const STORAGE_KEY = 'skillcert.session';

interface Stored {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires (a hint; the server decides). */
  expiresAt: number;
  user: SessionUser;
  me: Me | null;
}

export const ROLE_NAMES: Record<Role, string> = {
  institution: '评价机构经办人',
  supervisor: '省评价中心督导部',
  inspector: '质量督导员',
  info_officer: '信息部',
  admin: '系统管理员',
};

/** Where each role lands after login and on `/`. */
export const ROLE_HOME: Record<Role, string> = {
  institution: '/inst',
  supervisor: '/sup',
  admin: '/admin',
  info_officer: '/info',
  inspector: '/insp',
};

function isStored(value: unknown): value is Stored {
  if (typeof value !== 'object' || value === null) return false;
  const v: Record<string, unknown> = { ...value };
  return (
    typeof v.accessToken === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.user === 'object' &&
    v.user !== null
  );
}

function load(): Stored | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    return isStored(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export const useAuthStore = defineStore('auth', () => {
  const initial = load();
  const accessToken = ref<string | null>(initial?.accessToken ?? null);
  const refreshToken = ref<string | null>(initial?.refreshToken ?? null);
  const expiresAt = ref<number>(initial?.expiresAt ?? 0);
  const user = ref<SessionUser | null>(initial?.user ?? null);
  const me = ref<Me | null>(initial?.me ?? null);

  const loggedIn = computed(() => accessToken.value !== null && user.value !== null);
  const role = computed<Role | null>(() => user.value?.role ?? null);
  const roleName = computed(() => me.value?.role_name ?? (role.value ? ROLE_NAMES[role.value] : ''));
  const displayName = computed(() => me.value?.display_name ?? user.value?.display_name ?? '');
  const institution = computed(() => me.value?.institution ?? null);
  const home = computed(() => (role.value ? ROLE_HOME[role.value] : '/login'));

  function persist(): void {
    if (accessToken.value && refreshToken.value && user.value) {
      const stored: Stored = {
        accessToken: accessToken.value,
        refreshToken: refreshToken.value,
        expiresAt: expiresAt.value,
        user: user.value,
        me: me.value,
      };
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    } else {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }

  /** Keeps a session from login or refresh (the refresh token is single use: always replace). */
  function setSession(session: TokenResponse): void {
    accessToken.value = session.access_token;
    refreshToken.value = session.refresh_token;
    expiresAt.value = Date.now() + session.expires_in * 1000;
    if (user.value && user.value.id !== session.user.id) me.value = null;
    user.value = session.user;
    persist();
  }

  function clear(): void {
    accessToken.value = null;
    refreshToken.value = null;
    expiresAt.value = 0;
    user.value = null;
    me.value = null;
    persist();
  }

  async function fetchMe(): Promise<Me> {
    const data = unwrap(await api.GET('/api/v1/me'));
    me.value = data;
    persist();
    return data;
  }

  /** Signs in; throws the server's ApiProblem (401 wrong password, 429 locked) unchanged. */
  async function login(username: string, password: string): Promise<void> {
    const session = unwrap(await api.POST('/api/v1/auth/login', { body: { username, password } }));
    me.value = null;
    setSession(session);
    await fetchMe();
  }

  /** Ends the session on the server (revokes the refresh family) and here, whatever the answer. */
  async function logout(): Promise<void> {
    const token = refreshToken.value;
    clear();
    if (token) {
      try {
        await api.POST('/api/v1/auth/logout', { body: { refresh_token: token } });
      } catch {
        // Signed out locally either way; the token dies with its family or its expiry.
      }
    }
  }

  return {
    accessToken,
    refreshToken,
    expiresAt,
    user,
    me,
    loggedIn,
    role,
    roleName,
    displayName,
    institution,
    home,
    setSession,
    clear,
    fetchMe,
    login,
    logout,
  };
});
