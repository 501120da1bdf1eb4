// 系统管理员 (admin) pages, under /admin (SPEC §1: institutions, users, occupation catalogue,
// working-day calendar; the adjustable clock for demos; webhooks and read-only service accounts
// for third-party systems).
// `/admin` is the role's home.
import type { RouteRecordRaw } from 'vue-router';

const roles: RouteRecordRaw['meta'] = { roles: ['admin'] };

export const adminRoutes: RouteRecordRaw[] = [
  {
    path: '/admin',
    name: 'admin-institutions',
    component: () => import('@/views/admin/InstitutionsView.vue'),
    meta: { ...roles, title: '评价机构', menu: true, icon: 'OfficeBuilding' },
  },
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('@/views/admin/UsersView.vue'),
    meta: { ...roles, title: '用户管理', menu: true, icon: 'User' },
  },
  {
    path: '/admin/occupations',
    name: 'admin-occupations',
    component: () => import('@/views/admin/OccupationsView.vue'),
    meta: { ...roles, title: '职业目录', menu: true, icon: 'Collection' },
  },
  {
    path: '/admin/calendar',
    name: 'admin-calendar',
    component: () => import('@/views/admin/CalendarView.vue'),
    meta: { ...roles, title: '工作日历', menu: true, icon: 'Calendar' },
  },
  {
    path: '/admin/webhooks',
    name: 'admin-webhooks',
    component: () => import('@/views/admin/WebhooksView.vue'),
    meta: { ...roles, title: '事件推送', menu: true, icon: 'Promotion' },
  },
  {
    path: '/admin/service-accounts',
    name: 'admin-service-accounts',
    component: () => import('@/views/admin/ServiceAccountsView.vue'),
    meta: { ...roles, title: '服务账号', menu: true, icon: 'Key' },
  },
  {
    path: '/admin/clock',
    name: 'admin-clock',
    component: () => import('@/views/admin/ClockView.vue'),
    meta: { ...roles, title: '平台时钟', menu: true, icon: 'Timer' },
  },
];
