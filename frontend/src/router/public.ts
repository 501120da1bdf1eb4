// Public pages (社会公众, no login), under /public/… : certificate lookup, exam notices, draw
// results. Paths are absolute; the records render inside PublicLayout and need
// `meta: { title, public: true }`. PublicLayout's top navigation lists those with `menu: true`.
import type { RouteRecordRaw } from 'vue-router';

export const publicRoutes: RouteRecordRaw[] = [];
