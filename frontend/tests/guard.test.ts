// Route guards and the menu built from route meta.
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter, type RouteRecordRaw } from 'vue-router';
import { decide, safeRedirect } from '@/router/guard';
import { menuFor } from '@/layouts/menu';
import '@/router/meta';

const Empty = { template: '<div />' };
const records: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: Empty, meta: { public: true } },
  { path: '/public', component: Empty, meta: { public: true }, children: [{ path: 'certificates', component: Empty, meta: { title: '证书查询', menu: true, public: true } }] },
  {
    path: '/',
    component: Empty,
    children: [
      { path: '/inst', component: Empty, meta: { title: '工作台', roles: ['institution'], menu: true } },
      { path: '/inst/batches', component: Empty, meta: { title: '认定批次', roles: ['institution'], menu: true } },
      { path: '/inst/batches/:id', component: Empty, meta: { title: '批次详情', roles: ['institution'], menu: true } },
      { path: '/sup', component: Empty, meta: { title: '督导工作台', roles: ['supervisor'], menu: true } },
      { path: '/sup/hidden', component: Empty, meta: { title: '不在菜单', roles: ['supervisor'] } },
    ],
  },
];
const router = createRouter({ history: createMemoryHistory(), routes: records });

describe('decide', () => {
  it('sends a visitor to the login page with the page to come back to', () => {
    expect(decide(router.resolve('/inst/batches?year=2026'), { loggedIn: false, role: null })).toEqual({
      name: 'login',
      query: { redirect: '/inst/batches?year=2026' },
    });
  });

  it('lets anyone see public pages', () => {
    expect(decide(router.resolve('/public/certificates'), { loggedIn: false, role: null })).toBe(true);
  });

  it('sends a user of another role to their own home', () => {
    expect(decide(router.resolve('/sup'), { loggedIn: true, role: 'institution' })).toBe('/inst');
    expect(decide(router.resolve('/inst/batches'), { loggedIn: true, role: 'supervisor' })).toBe('/sup');
    expect(decide(router.resolve('/inst/batches'), { loggedIn: true, role: 'institution' })).toBe(true);
  });

  it('skips the login page for a signed-in user', () => {
    expect(decide(router.resolve('/login'), { loggedIn: true, role: 'admin' })).toBe('/admin');
    expect(decide(router.resolve('/login'), { loggedIn: false, role: null })).toBe(true);
  });

  it('follows only same-origin redirects', () => {
    expect(safeRedirect('/inst/batches')).toBe('/inst/batches');
    expect(safeRedirect('//evil.example/x')).toBeNull();
    expect(safeRedirect('https://evil.example')).toBeNull();
    expect(safeRedirect(['/a'])).toBeNull();
  });
});

describe('menuFor', () => {
  it('lists the menu pages of the role, in definition order, without parameterised paths', () => {
    expect(menuFor(records, 'institution').map((m) => m.path)).toEqual(['/inst', '/inst/batches']);
    expect(menuFor(records, 'supervisor').map((m) => m.title)).toEqual(['督导工作台']);
    expect(menuFor(records, null)).toEqual([]);
  });
});
