// 系统管理员 (admin) pages, under /admin. Paths are absolute; the records render inside
// AppLayout. Give each `meta: { title, roles: ['admin'], menu?, icon? }`; `/admin` is the home.
import type { RouteRecordRaw } from 'vue-router';

export const adminRoutes: RouteRecordRaw[] = [];
