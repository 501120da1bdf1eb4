// The side menu, built from route meta: every record (at any depth) with `meta.menu` whose
// `meta.roles` includes the user's role, in the order the route files define them. Public
// pages (and the login page) are left out.
import type { RouteRecordRaw } from 'vue-router';
import type { Role } from '@/stores/auth';

export interface MenuItem {
  path: string;
  title: string;
  icon?: string;
}

function join(parent: string, path: string): string {
  if (path.startsWith('/')) return path;
  const base = parent.endsWith('/') ? parent : `${parent}/`;
  return `${base}${path}`.replace(/\/+$/, '') || '/';
}

export function menuFor(records: readonly RouteRecordRaw[], role: Role | null, parent = '/'): MenuItem[] {
  if (!role) return [];
  const out: MenuItem[] = [];
  for (const record of records) {
    const path = join(parent, record.path);
    const roles = record.meta?.roles;
    if (roles && !roles.includes(role)) continue;
    // Public pages have their own navigation (PublicLayout), not the workspace menu.
    if (record.meta?.public) continue;
    if (record.meta?.menu && record.meta.title && !path.includes(':')) {
      out.push({ path, title: record.meta.title, icon: record.meta.icon });
    }
    if (record.children) out.push(...menuFor(record.children, role, path));
  }
  return out;
}
