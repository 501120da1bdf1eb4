// 评价机构经办人 (institution) pages, under /inst (SPEC §1, §3).
import type { RouteRecordRaw } from 'vue-router';

export const institutionRoutes: RouteRecordRaw[] = [
  {
    path: '/inst',
    name: 'inst-dashboard',
    component: () => import('@/views/institution/DashboardView.vue'),
    meta: { title: '工作台', roles: ['institution'], menu: true, icon: 'HomeFilled' },
  },
  {
    path: '/inst/batches',
    name: 'inst-batches',
    component: () => import('@/views/institution/BatchListView.vue'),
    meta: { title: '认定批次', roles: ['institution'], menu: true, icon: 'Files' },
  },
  {
    path: '/inst/batches/new',
    name: 'inst-batch-new',
    component: () => import('@/views/institution/NewBatchView.vue'),
    meta: { title: '新建认定批次', roles: ['institution'], menu: true, icon: 'CirclePlus' },
  },
  {
    path: '/inst/batches/:id',
    name: 'inst-batch',
    component: () => import('@/views/institution/BatchDetailView.vue'),
    meta: { title: '批次详情', roles: ['institution'], activeMenu: '/inst/batches' },
  },
  {
    path: '/inst/annual-plans',
    name: 'inst-annual-plans',
    component: () => import('@/views/institution/AnnualPlansView.vue'),
    meta: { title: '年度考试计划', roles: ['institution'], menu: true, icon: 'Calendar' },
  },
  {
    path: '/inst/exam-notices',
    name: 'inst-exam-notices',
    component: () => import('@/views/institution/ExamNoticesView.vue'),
    meta: { title: '考试计划公告', roles: ['institution'], menu: true, icon: 'Notification' },
  },
  {
    path: '/inst/notices',
    name: 'inst-notices',
    component: () => import('@/views/notices/NoticesView.vue'),
    meta: { title: '消息通知', roles: ['institution'], menu: true, icon: 'Bell' },
  },
];
