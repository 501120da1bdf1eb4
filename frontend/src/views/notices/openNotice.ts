// Opening a notice: mark it read, then go to its batch — an institution user to the batch page,
// a supervisor to the review page of the step the deadline is about.
import type { Router } from 'vue-router';
import { getBatch } from '@/api/batches';
import { markRead, type Notice } from '@/api/notices';
import { showProblem } from '@/api/problem';
import { refreshUnread } from '@/components/useUnreadNotices';
import type { Role } from '@/stores/auth';
import { institutionLink, isChangeRequest, supervisorStep } from './notices';

export async function openNotice(notice: Notice, role: Role | null, router: Router): Promise<void> {
  try {
    if (!notice.read) {
      Object.assign(notice, await markRead(notice.id));
      void refreshUnread();
    }
    if (!notice.batch_id) return;
    if (role === 'institution') {
      const link = institutionLink(notice);
      if (link) await router.push(link);
    } else if (role === 'supervisor' && isChangeRequest(notice)) {
      await router.push('/sup/change-requests');
    } else if (role === 'supervisor') {
      const batch = await getBatch(notice.batch_id);
      const step = supervisorStep(notice, batch);
      if (step) await router.push(`/sup/reviews/${notice.batch_id}/${step}`);
    }
  } catch (e) {
    showProblem(e);
  }
}
