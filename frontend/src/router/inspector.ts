// 质量督导员 (inspector) pages, under /insp (SPEC §1, §7: sees only the batches assigned to them).
// `/insp` is the home: their inspections; each opens the batch (read only) and the report form.
import type { RouteRecordRaw } from 'vue-router';

export const inspectorRoutes: RouteRecordRaw[] = [
  {
    path: '/insp',
    name: 'insp-home',
    component: () => import('@/views/inspector/InspectorHomeView.vue'),
    meta: { roles: ['inspector'], title: '我的督导批次', menu: true, icon: 'List' },
  },
  {
    path: '/insp/inspections/:id',
    name: 'insp-inspection',
    component: () => import('@/views/inspector/InspectionView.vue'),
    props: (route) => ({ id: String(route.params.id) }),
    meta: { roles: ['inspector'], title: '督导任务', activeMenu: '/insp' },
  },
];
