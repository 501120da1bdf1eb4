// "Today" as the platform's rules see it: the China date of the server clock (GET /admin/clock,
// readable by every signed-in role), so a demo that moves the clock also moves countdowns and
// overdue colours. Falls back to this computer's clock if the server does not answer.
import { ref } from 'vue';
import { getClock } from '@/api/adminClock';
import { chinaDate } from '@/views/supervisor/due';

let shared: Promise<string> | null = null;

function fetchToday(): Promise<string> {
  if (!shared) {
    shared = getClock()
      // `today` is the server's own China date of `now` (an older server sends only `now`).
      .then((clock) => clock.today || chinaDate(new Date(clock.now)))
      .catch(() => {
        shared = null;
        return chinaDate(new Date());
      });
  }
  return shared;
}

/** Forget the cached date (after the admin moves the clock). */
export function forgetChinaToday(): void {
  shared = null;
}

export function useChinaToday() {
  const today = ref(chinaDate(new Date()));
  const ready = fetchToday().then((value) => {
    today.value = value;
    return value;
  });
  return { today, ready };
}
