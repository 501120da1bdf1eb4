// Public pages (社会公众, no login), under /public/… : exam notices (list and detail), certificate
// lookup and draw results (the last two open with their issues). The records render inside
// PublicLayout, whose top navigation lists those with `menu: true`.
import type { RouteRecordRaw } from 'vue-router';

export const publicRoutes: RouteRecordRaw[] = [
  {
    path: '/public/exam-notices',
    name: 'public-exam-notices',
    component: () => import('@/views/public/ExamNoticesView.vue'),
    meta: { title: '考试计划公告', public: true, menu: true },
  },
  {
    path: '/public/exam-notices/:id',
    name: 'public-exam-notice',
    component: () => import('@/views/public/ExamNoticeDetailView.vue'),
    props: (route) => ({ id: String(route.params.id) }),
    meta: { title: '考试计划公告', public: true },
  },
  {
    path: '/public/certificates',
    name: 'public-certificates',
    component: () => import('@/views/public/CertificateLookupView.vue'),
    meta: { title: '证书查询', public: true, menu: true },
  },
  {
    path: '/public/draws',
    name: 'public-draws',
    component: () => import('@/views/public/DrawResultsView.vue'),
    meta: { title: '抽查结果公开', public: true, menu: true },
  },
];
