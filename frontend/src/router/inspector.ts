// 质量督导员 (inspector) pages, under /insp. Paths are absolute; the records render inside
// AppLayout. Give each `meta: { title, roles: ['inspector'], menu?, icon? }`; `/insp` is the home.
import type { RouteRecordRaw } from 'vue-router';

export const inspectorRoutes: RouteRecordRaw[] = [];
