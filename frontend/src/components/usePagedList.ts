// Server-side pagination for a list page (SPEC §8: `page`, `page_size` ≤ 200, `{items, total}`):
// the current page, its loading state and the last error (also shown via showProblem).
import { ref, shallowRef, type Ref } from 'vue';
import type { ApiProblem } from '@/api/client';
import { showProblem } from '@/api/problem';

export interface PageOf<T> {
  items: T[];
  total: number;
}

export interface PagedList<T> {
  items: Ref<T[]>;
  total: Ref<number>;
  page: Ref<number>;
  pageSize: Ref<number>;
  loading: Ref<boolean>;
  /** The last load's error; null after a successful load. */
  error: Ref<ApiProblem | null>;
  /** Whether a load has finished at least once (to tell "empty" from "not yet loaded"). */
  loaded: Ref<boolean>;
  load: () => Promise<void>;
  /** Back to page 1 (a filter changed) and load. */
  reload: () => Promise<void>;
}

export function usePagedList<T>(
  fetchPage: (page: number, pageSize: number) => Promise<PageOf<T>>,
  initialPageSize = 20,
): PagedList<T> {
  const items = shallowRef<T[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(initialPageSize);
  const loading = ref(false);
  const error = shallowRef<ApiProblem | null>(null);
  const loaded = ref(false);
  let ticket = 0;

  async function load(): Promise<void> {
    const mine = ++ticket;
    loading.value = true;
    try {
      const data = await fetchPage(page.value, pageSize.value);
      if (mine !== ticket) return; // a newer load started meanwhile: its answer wins
      items.value = data.items;
      total.value = data.total;
      error.value = null;
    } catch (e) {
      if (mine !== ticket) return;
      error.value = showProblem(e);
      items.value = [];
      total.value = 0;
    } finally {
      if (mine === ticket) {
        loading.value = false;
        loaded.value = true;
      }
    }
  }

  async function reload(): Promise<void> {
    page.value = 1;
    await load();
  }

  return { items, total, page, pageSize, loading, error, loaded, load, reload };
}
