// 评价机构经办人 (institution) pages, under /inst (SPEC §1, §3).
import type { RouteRecordRaw } from 'vue-router';

const roles: RouteRecordRaw['meta'] = { roles: ['institution'] };

export const institutionRoutes: RouteRecordRaw[] = [
  {
    path: '/inst',
    name: 'inst-dashboard',
    component: () => import('@/views/institution/DashboardView.vue'),
    meta: { ...roles, title: '工作台', menu: true, icon: 'HomeFilled' },
  },
];
