// 信息部 (info_officer) pages, under /info (SPEC §1: issues certificate numbers, prints, archives,
// publishes certificates online). `/info` is the home: the issuance steps awaiting the 信息部.
import type { RouteRecordRaw } from 'vue-router';

const roles: RouteRecordRaw['meta'] = { roles: ['info_officer'] };

export const infoRoutes: RouteRecordRaw[] = [
  {
    path: '/info',
    name: 'info-home',
    component: () => import('@/views/info/InfoHomeView.vue'),
    meta: { ...roles, title: '证书发放待办', menu: true, icon: 'Tickets' },
  },
  {
    path: '/info/reviews/:id/:step',
    name: 'info-review',
    component: () => import('@/views/supervisor/ReviewView.vue'),
    props: (route) => ({ id: String(route.params.id), step: String(route.params.step), back: '/info' }),
    meta: { ...roles, title: '证书发放办理', activeMenu: '/info' },
  },
];
