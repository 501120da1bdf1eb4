// The router: composed from one route file per area, so the helpers building the supervisor,
// admin, info, inspector and public pages add records there and never touch this file or the
// layout. Guards: see guard.ts.
import { ElNotification } from 'element-plus';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import './meta';
import AppLayout from '@/layouts/AppLayout.vue';
import PublicLayout from '@/layouts/PublicLayout.vue';
import { ROLE_HOME, ROLE_NAMES, useAuthStore, type Role } from '@/stores/auth';
import { adminRoutes } from './admin';
import { decide } from './guard';
import { infoRoutes } from './info';
import { inspectorRoutes } from './inspector';
import { institutionRoutes } from './institution';
import { publicRoutes } from './public';
import { supervisorRoutes } from './supervisor';

export const PRODUCT_NAME = '职业技能等级认定监管平台';

const areaRoutes: RouteRecordRaw[] = [
  ...institutionRoutes,
  ...supervisorRoutes,
  ...adminRoutes,
  ...infoRoutes,
  ...inspectorRoutes,
];

/** A home page for a role whose area has none yet, so every role lands somewhere after login. */
function placeholderHomes(): RouteRecordRaw[] {
  const paths = new Set(areaRoutes.map((r) => r.path));
  return (Object.keys(ROLE_HOME) as Role[])
    .filter((role) => !paths.has(ROLE_HOME[role]))
    .map((role) => ({
      path: ROLE_HOME[role],
      component: () => import('@/views/PlaceholderHome.vue'),
      meta: { title: `${ROLE_NAMES[role]}工作台`, roles: [role], menu: true, icon: 'HomeFilled' },
    }));
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/public',
    component: PublicLayout,
    meta: { public: true },
    children: [
      ...publicRoutes,
      { path: '', name: 'public-home', component: () => import('@/views/PublicHome.vue'), meta: { title: '公开查询', public: true } },
    ],
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      {
        path: '',
        name: 'root',
        redirect: () => {
          const auth = useAuthStore();
          return auth.role ? ROLE_HOME[auth.role] : '/login';
        },
      },
      ...areaRoutes,
      ...placeholderHomes(),
    ],
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFound.vue'),
    meta: { title: '页面不存在', public: true },
  },
];

export function buildRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: () => ({ top: 0 }),
  });
  router.beforeEach((to) => {
    const auth = useAuthStore();
    return decide(to, { loggedIn: auth.loggedIn, role: auth.role });
  });
  router.afterEach((to, from) => {
    // An error notification is about the page it came from.
    if (to.path !== from.path) ElNotification.closeAll();
    const title = [...to.matched].reverse().find((r) => r.meta.title)?.meta.title;
    document.title = title ? `${title} - ${PRODUCT_NAME}` : PRODUCT_NAME;
  });
  return router;
}
