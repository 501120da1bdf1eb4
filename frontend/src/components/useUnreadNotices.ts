// The signed-in user's unread notice count, shared by the header bell and the notices page:
// polled every minute while a page shows it, refreshed at once after a read.
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { unreadCount } from '@/api/notices';

const count = ref(0);
let watchers = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export async function refreshUnread(): Promise<void> {
  try {
    count.value = (await unreadCount()).unread_count;
  } catch {
    // A failed poll keeps the last count; the next one tries again.
  }
}

/** Sets the count from an answer that carried it (a list or read-all). */
export function setUnread(value: number): void {
  count.value = value;
}

export function useUnreadNotices(pollMs = 60_000) {
  onMounted(() => {
    watchers += 1;
    void refreshUnread();
    if (!timer) timer = setInterval(() => void refreshUnread(), pollMs);
  });
  onBeforeUnmount(() => {
    watchers -= 1;
    if (watchers <= 0 && timer) {
      clearInterval(timer);
      timer = null;
      watchers = 0;
    }
  });
  return { count, refresh: refreshUnread };
}
