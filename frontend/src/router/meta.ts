// Route meta of every area (institution, supervisor, admin, info, inspector, public). The side
// menu and the guards read only this: a new page is a route record, not a layout change.
import type { Role } from '@/stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    /** Chinese page title: document title, breadcrumb, menu label. */
    title?: string;
    /** Roles that may open the page (and its children). Absent: any signed-in user. */
    roles?: Role[];
    /** Show in the side menu of these roles. */
    menu?: boolean;
    /** An icon name of @element-plus/icons-vue, e.g. 'Document'. */
    icon?: string;
    /** No login needed (public pages, the login page). */
    public?: boolean;
    /** Menu entry to highlight for a page that is not itself in the menu (e.g. a detail page). */
    activeMenu?: string;
  }
}

export {};
