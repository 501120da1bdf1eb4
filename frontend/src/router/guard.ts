// Who may open which page: the decision of the router's beforeEach, kept pure for tests.
import type { RouteLocationRaw, RouteMeta, RouteRecordNameGeneric } from 'vue-router';
import { ROLE_HOME, type Role } from '@/stores/auth';

export interface Session {
  loggedIn: boolean;
  role: Role | null;
}

/** What the decision reads of the target (a normalized or a resolved location). */
export interface Target {
  name?: RouteRecordNameGeneric | null;
  fullPath: string;
  matched: readonly { meta: RouteMeta }[];
}

/** `true` to go on, or where to go instead. */
export function decide(to: Target, session: Session): true | RouteLocationRaw {
  const isPublic = to.matched.some((record) => record.meta.public === true);
  if (to.name === 'login') {
    // Already signed in: the login page would only sign the same user in again.
    return session.loggedIn && session.role ? ROLE_HOME[session.role] : true;
  }
  if (isPublic) return true;
  if (!session.loggedIn || !session.role) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  }
  const role = session.role;
  const allowed = to.matched.every((record) => !record.meta.roles || record.meta.roles.includes(role));
  if (!allowed) return ROLE_HOME[role];
  return true;
}

/** A `redirect` query worth following: a path of this app, never another origin. */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (value.startsWith('/login')) return null;
  return value;
}
