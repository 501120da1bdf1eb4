// 导入花名册 (views/institution/batch/RosterImportDialog.vue): a background import that a server
// restart cut short ends failed with failure_reason `interrupted` — shown as 已中断 with its reason,
// and 重新导入 sends the same file again (the server keeps no copy of the upload).
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { afterEach, describe, expect, it, vi } from 'vitest';

const importRoster = vi.fn();
const getImportJob = vi.fn();

vi.mock('@/api/candidates', () => ({
  importRoster: (...args: unknown[]) => importRoster(...args),
  getImportJob: (...args: unknown[]) => getImportJob(...args),
  rosterTemplate: vi.fn(),
  isAccepted: (value: object) => 'job_id' in value,
}));
vi.mock('@/api/problem', () => ({
  asProblem: (e: unknown) => e,
  rowIssues: () => [],
  showProblem: (e: unknown) => e,
}));

const { default: RosterImportDialog } = await import('@/views/institution/batch/RosterImportDialog.vue');

const BATCH = '0193b3c2-0000-7000-8000-000000000001';

function job(status: string, extra: object = {}) {
  return {
    id: 'job-1',
    batch_id: BATCH,
    status,
    mode: 'all_or_nothing',
    total_rows: 20000,
    processed_rows: 0,
    imported_rows: 0,
    errors: [],
    failure_reason: null,
    created_at: '2026-02-10T01:00:00Z',
    finished_at: null,
    ...extra,
  };
}

const interruptedJob = job('failed', {
  failure_reason: 'interrupted',
  finished_at: '2026-02-10T01:00:09Z',
  errors: [{ row: null, column: null, reason: 'interrupted', message: '导入被中断（服务重启或进程退出），未导入任何考生，请重新导入' }],
});

async function mountDialog() {
  const wrapper = mount(RosterImportDialog, {
    props: { batchId: BATCH, modelValue: true },
    global: { plugins: [ElementPlus] },
    attachTo: document.body,
  });
  await flushPromises();
  return wrapper;
}

function body(): HTMLElement {
  return document.body;
}

function click(selector: string): void {
  const element = body().querySelector<HTMLElement>(selector);
  expect(element, selector).not.toBeNull();
  element!.click();
}

async function pickAndStart(file: File): Promise<void> {
  const input = body().querySelector<HTMLInputElement>('[data-test="roster-file"]')!;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  input.dispatchEvent(new Event('change'));
  await flushPromises();
  click('[data-test="start-import"]');
  await flushPromises();
}

afterEach(() => {
  importRoster.mockReset();
  getImportJob.mockReset();
  document.body.innerHTML = '';
});

describe('an interrupted roster import', () => {
  it('reads 已中断 with the reason, and 重新导入 sends the same file again', async () => {
    importRoster.mockResolvedValueOnce({ job_id: 'job-1', status: 'running', total_rows: 20000 });
    getImportJob.mockResolvedValueOnce(interruptedJob);
    const wrapper = await mountDialog();
    const file = new File(['姓名,证件号码\n'], 'roster.csv', { type: 'text/csv' });

    await pickAndStart(file);

    const alert = body().querySelector('[data-test="import-interrupted"]');
    expect(alert?.textContent).toContain('已中断');
    expect(alert?.textContent).toContain('导入被中断（服务重启或进程退出）');
    expect(alert?.textContent).toContain('interrupted');
    expect(body().querySelector('[data-test="import-failed"]')).toBeNull();
    expect(body().querySelector('[data-test="bad-rows"]')).toBeNull();

    importRoster.mockResolvedValueOnce({ ...job('done', { imported_rows: 20000, processed_rows: 20000 }), id: 'job-2' });
    click('[data-test="retry-import"]');
    await flushPromises();

    expect(importRoster).toHaveBeenCalledTimes(2);
    const [first, second] = importRoster.mock.calls;
    expect(second[0]).toBe(BATCH);
    expect(second[1]).toBe(file);
    expect(second[2]).toBe('all_or_nothing');
    // A new import, not a replay of the interrupted one.
    expect(second[4]).not.toBe(first[4]);
    expect(body().querySelector('[data-test="import-interrupted"]')).toBeNull();
    expect(body().textContent).toContain('已导入 20000 名考生');
    expect(wrapper.emitted('imported')).toHaveLength(1);
    wrapper.unmount();
  });

  it('does not offer 重新导入 for a job that failed on bad rows', async () => {
    importRoster.mockResolvedValueOnce({ job_id: 'job-3', status: 'running', total_rows: 2500 });
    getImportJob.mockResolvedValueOnce(
      job('failed', {
        failure_reason: 'bad_rows',
        errors: [{ row: 2, column: '证件号码', reason: 'already_registered', message: '此人已在本批次报名同一职业（工种）等级，不能重复报名' }],
      }),
    );
    const wrapper = await mountDialog();

    await pickAndStart(new File(['x'], 'roster.xlsx'));

    expect(body().querySelector('[data-test="import-interrupted"]')).toBeNull();
    expect(body().querySelector('[data-test="retry-import"]')).toBeNull();
    expect(body().querySelector('[data-test="bad-rows"]')?.textContent).toContain('already_registered');
    wrapper.unmount();
  });
});
