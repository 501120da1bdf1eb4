// 信息部 (info_officer) pages, under /info (SPEC §1: issues certificate numbers, prints, archives,
// publishes certificates online, reports them to the national platform). `/info` is the home: the issuance steps awaiting the 信息部,
// each opening the batch's certificate page; 证书管理 lists the year's batches at 证书发放.
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
    path: '/info/certificates',
    name: 'info-certificates',
    component: () => import('@/views/info/CertificateBatchesView.vue'),
    meta: { ...roles, title: '证书管理', menu: true, icon: 'Medal' },
  },
  {
    path: '/info/certificates/:id',
    name: 'info-batch-certificates',
    component: () => import('@/views/info/BatchCertificatesView.vue'),
    props: (route) => ({ id: String(route.params.id) }),
    meta: { ...roles, title: '批次证书', activeMenu: '/info/certificates' },
  },
  {
    path: '/info/export',
    name: 'info-export',
    component: () => import('@/views/info/NationalExportView.vue'),
    meta: { ...roles, title: '证书上报', menu: true, icon: 'Upload' },
  },
  {
    path: '/info/reviews/:id/:step',
    name: 'info-review',
    component: () => import('@/views/supervisor/ReviewView.vue'),
    props: (route) => ({ id: String(route.params.id), step: String(route.params.step), back: '/info' }),
    meta: { ...roles, title: '证书发放办理', activeMenu: '/info' },
  },
];
