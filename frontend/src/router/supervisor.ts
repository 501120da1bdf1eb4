// 督导部 (supervisor) pages, under /sup. Paths are absolute; the records render inside
// AppLayout. Give each `meta: { title, roles: ['supervisor'], menu?, icon? }` — the side menu is
// built from the meta. `/sup` itself is the role's home (ROLE_HOME in stores/auth.ts).
import type { RouteRecordRaw } from 'vue-router';

export const supervisorRoutes: RouteRecordRaw[] = [];
