// 督导部 (supervisor) pages, under /sup (SPEC §1: reviews and approves/returns steps, decides
// change requests of approved plans, grants extensions, keeps the blacklist, records late annual
// plans, runs 双随机 draws). `/sup` is the role's home: the
// dashboard. The side menu is built from the meta.
import type { RouteRecordRaw } from 'vue-router';

const roles: RouteRecordRaw['meta'] = { roles: ['supervisor'] };

export const supervisorRoutes: RouteRecordRaw[] = [
  {
    path: '/sup',
    name: 'sup-dashboard',
    component: () => import('@/views/supervisor/DashboardView.vue'),
    meta: { ...roles, title: '督导概览', menu: true, icon: 'DataAnalysis' },
  },
  {
    path: '/sup/reviews',
    name: 'sup-reviews',
    component: () => import('@/views/supervisor/ReviewQueueView.vue'),
    meta: { ...roles, title: '审核队列', menu: true, icon: 'Stamp' },
  },
  {
    path: '/sup/reviews/:id/:step',
    name: 'sup-review',
    component: () => import('@/views/supervisor/ReviewView.vue'),
    props: (route) => ({ id: String(route.params.id), step: String(route.params.step), back: '/sup/reviews' }),
    meta: { ...roles, title: '审核', activeMenu: '/sup/reviews' },
  },
  {
    path: '/sup/change-requests',
    name: 'sup-change-requests',
    component: () => import('@/views/supervisor/ChangeRequestsView.vue'),
    meta: { ...roles, title: '变更申请', menu: true, icon: 'Switch' },
  },
  {
    path: '/sup/batches',
    name: 'sup-batches',
    component: () => import('@/views/supervisor/BatchesView.vue'),
    meta: { ...roles, title: '认定批次', menu: true, icon: 'Document' },
  },
  {
    path: '/sup/draws',
    name: 'sup-draws',
    component: () => import('@/views/supervisor/DrawsView.vue'),
    meta: { ...roles, title: '双随机抽查', menu: true, icon: 'Aim' },
  },
  {
    path: '/sup/draws/:id',
    name: 'sup-draw',
    component: () => import('@/views/supervisor/DrawDetailView.vue'),
    props: (route) => ({ id: String(route.params.id) }),
    meta: { ...roles, title: '抽查详情', activeMenu: '/sup/draws' },
  },
  {
    path: '/sup/annual-plans',
    name: 'sup-annual-plans',
    component: () => import('@/views/supervisor/AnnualPlansView.vue'),
    meta: { ...roles, title: '年度考试计划', menu: true, icon: 'Calendar' },
  },
  {
    path: '/sup/blacklist',
    name: 'sup-blacklist',
    component: () => import('@/views/supervisor/BlacklistView.vue'),
    meta: { ...roles, title: '禁考名单', menu: true, icon: 'CircleClose' },
  },
  {
    path: '/sup/notices',
    name: 'sup-notices',
    component: () => import('@/views/notices/NoticesView.vue'),
    meta: { ...roles, title: '消息通知', menu: true, icon: 'Bell' },
  },
];
