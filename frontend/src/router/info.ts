// 信息部 (info_officer) pages, under /info. Paths are absolute; the records render inside
// AppLayout. Give each `meta: { title, roles: ['info_officer'], menu?, icon? }`; `/info` is the home.
import type { RouteRecordRaw } from 'vue-router';

export const infoRoutes: RouteRecordRaw[] = [];
