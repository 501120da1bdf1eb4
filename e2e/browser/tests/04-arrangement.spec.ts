// 考务安排 and 变更申请 (issue 6), in the browser, against the real binary:
// train1's social-training batch is brought to its arrangement step through the API (plan and
// registration approved, 3 candidates at 五级); in the batch's 考务安排 tab train1 adds sessions
// with seats and staff, sees the live hints (one person in two overlapping sessions, too few
// seats), fixes them, saves and submits; asks to move the exam dates with a reason (refused
// without one); the supervisor approves the change on the 变更申请 page (a rejection needs a
// comment); train1 sees the batch moved and the arrangement returned, its sessions now off the
// plan, moves them to the new dates and submits again.
// Screenshots: screenshots/arr-NN-*.png.
import type { Locator, Page } from '@playwright/test';
import { apiLogin, approveStep, idNumber, stateOf, submitStep, uploadMaterial, type ApiSession } from '../support/batch-api';
import { expect, login, newPage, shot, test } from '../support/fixtures';

const INSTITUTION = '洛阳市示范职业培训学校';
const VENUE = '洛阳市涧西区职业技能考试中心';
const ELECTRICIAN = '6-31-01-03';
const CHANGE_REASON = '原考点机房电力改造，3 月 10 日至 11 日无法使用，考试顺延一周。';

test.describe.configure({ mode: 'serial' });

let institution: Page;
let supervisor: Page;
let batchId = '';
const batchUrl = () => `/inst/batches/${batchId}`;

test.beforeAll(async ({ browser }) => {
  // The set-up the screens are not about: create, plan approved, 3 candidates, registration approved.
  const train1: ApiSession = await apiLogin('train1');
  const sup: ApiSession = await apiLogin('supervisor');
  try {
    const batch = await train1.post(
      '/api/v1/batches',
      {
        module: 'supervised',
        method: 'exam',
        year: 2026,
        exam_start: '2026-03-10',
        exam_end: '2026-03-11',
        venue: VENUE,
        venue_region: '4103',
        occupations: [
          { occupation_code: ELECTRICIAN, level: 5, planned_count: 8 },
          { occupation_code: ELECTRICIAN, level: 4, planned_count: 7 },
        ],
      },
      201,
    );
    batchId = String(batch.id);
    for (const kind of ['plan_application', 'eligibility_commitment', 'personal_info_form']) {
      await uploadMaterial(train1, batchId, kind);
    }
    await submitStep(train1, batchId, 'plan');
    await approveStep(sup, batchId, 'plan');
    for (let n = 1; n <= 3; n += 1) {
      await train1.post(
        `/api/v1/batches/${batchId}/candidates`,
        { name: `考生${'甲乙丙'[n - 1]}`, id_number: idNumber(`41030519900315${String(700 + n)}`), occupation_code: ELECTRICIAN, level: 5 },
        201,
      );
    }
    await submitStep(train1, batchId, 'registration');
    const ready = await approveStep(sup, batchId, 'registration');
    expect(stateOf(ready, 'arrangement')).toBe('draft');
  } finally {
    await train1.dispose();
    await sup.dispose();
  }
  institution = await newPage(browser);
  supervisor = await newPage(browser);
});

test.afterAll(async () => {
  await institution?.context().close();
  await supervisor?.context().close();
});

/** The rows of the sessions or staff table. */
function rows(page: Page, table: 'sessions' | 'staff'): Locator {
  return page.locator(`[data-test="${table}"] .el-table__body-wrapper tbody tr`);
}

/** Types a China wall time into the date-time picker of a cell and closes it. */
async function setTime(page: Page, cell: Locator, value: string): Promise<void> {
  const input = cell.locator('input');
  await input.click();
  await input.fill(value);
  await input.press('Enter');
  await page.locator('h4.sub').first().click(); // closes the picker
  await expect(input).toHaveValue(value);
}

/** Picks options of an Element Plus (multi-)select and closes it. */
async function pick(page: Page, select: Locator, options: (string | RegExp)[]): Promise<void> {
  await select.click();
  for (const option of options) {
    await page.getByRole('option', { name: option }).filter({ visible: true }).first().click();
  }
  await page.locator('h4.sub').first().click();
}

async function confirm(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toBeVisible();
  await box.getByRole('button', { name: button, exact: true }).click();
}

test('1 机构编排考务安排：考位、人员与即时提示（时间冲突、考位不足），保存并提交', async () => {
  const page = institution;
  await login(page, 'train1', '/inst');
  await page.goto(`${batchUrl()}?tab=arrangement`);
  await expect(page.getByRole('tab', { name: '考务安排' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-test="arrangement-deadline"]')).toContainText('2026-03-08');
  const hints = page.locator('[data-test="arrangement-hints"]');
  await expect(hints).toContainText('即时检查未发现问题');
  await expect(hints).toContainText('在所有批次、所有机构中的场次时间是否冲突');

  // Two sessions: 五级 then 四级 (the line without a session comes next), seats from the registered count.
  await page.getByRole('button', { name: '添加场次' }).click();
  await expect(hints).toContainText('电工 · 四级/中级工（已报名 0 人）尚未安排考试场次');
  await page.getByRole('button', { name: '添加场次' }).click();
  const sessions = rows(page, 'sessions');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.nth(0)).toContainText('电工 · 五级/初级工');
  await expect(sessions.nth(1)).toContainText('电工 · 四级/中级工');
  await expect(sessions.nth(0).getByRole('spinbutton')).toHaveValue('3');
  await expect(sessions.nth(0)).toContainText('报名 3 人');
  await expect(sessions.nth(1).getByRole('spinbutton')).toHaveValue('1');
  await setTime(page, sessions.nth(0).locator('td').nth(4), '2026-03-10 10:30');
  await setTime(page, sessions.nth(1).locator('td').nth(3), '2026-03-10 10:00');
  await setTime(page, sessions.nth(1).locator('td').nth(4), '2026-03-10 11:30');

  // One 考评员 in both sessions: they overlap (09:00–10:30 and 10:00–11:30).
  await page.getByRole('button', { name: '添加人员' }).click();
  const staff = rows(page, 'staff');
  await staff.nth(0).getByPlaceholder('姓名').fill('张考评');
  await staff.nth(0).getByPlaceholder('考评员/监考证书编号').fill('kpy-e2e-0001');
  await expect(staff.nth(0).locator('.el-tag')).toHaveCount(2); // a new person works in every session
  const overlap = page.locator('[data-test="hint-overlap"]');
  await expect(overlap).toHaveCount(1);
  await expect(overlap).toContainText('张考评（证书 KPY-E2E-0001）场次 1（03-10 09:00–10:30）与场次 2（03-10 10:00–11:30）时间重叠');
  await expect(staff.nth(0).locator('[data-test="staff-hint"]')).toContainText('时间重叠');

  // Too few seats: 2 for the 3 registered at 五级.
  const seats = sessions.nth(0).getByRole('spinbutton');
  await seats.fill('2');
  await seats.blur();
  const capacity = page.locator('[data-test="hint-capacity"]');
  await expect(capacity).toContainText('电工 · 五级/初级工 理论知识：场次共 2 个考位，少于报名考生 3 人（还差 1 个）');
  await expect(hints).toContainText('即时检查发现 2 项问题');
  await shot(page, 'arr-01-hints-overlap-and-seats');

  // Fixed: 四级 right after 五级 (back-to-back is fine), 3 seats, and a 监考 for both sessions.
  await setTime(page, sessions.nth(1).locator('td').nth(3), '2026-03-10 10:30');
  await setTime(page, sessions.nth(1).locator('td').nth(4), '2026-03-10 12:00');
  await seats.fill('3');
  await seats.blur();
  await expect(overlap).toHaveCount(0);
  await expect(capacity).toHaveCount(0);
  await page.getByRole('button', { name: '添加人员' }).click();
  await staff.nth(1).getByPlaceholder('姓名').fill('李监考');
  await pick(page, staff.nth(1).locator('.el-select').first(), ['监考']);
  await staff.nth(1).getByPlaceholder('考评员/监考证书编号').fill('JK-E2E-0002');
  await expect(hints).toContainText('即时检查未发现问题');

  await page.locator('[data-test="save-arrangement"]').click();
  await expect(page.getByText('考务安排已保存')).toBeVisible();
  await expect(page.locator('[data-test="arrangement-problem"]')).toHaveCount(0);
  await expect(staff.nth(0).getByPlaceholder('考评员/监考证书编号')).toHaveValue('KPY-E2E-0001');
  await shot(page, 'arr-02-arrangement-saved');

  // Submitted from the checklist: the server's capacity, deadline and plan checks pass.
  await page.getByRole('tab', { name: '核查清单与材料' }).click();
  const step = page.locator('[data-step="arrangement"]');
  await expect(step).toContainText('材料与规则均已满足，可以提交');
  await step.locator('[data-test="submit-arrangement"]').click();
  await confirm(page, '提交');
  await expect(page.getByText('“考务安排”已提交，等待审核')).toBeVisible();
  await expect(step).toContainText('待审核');
});

test('2 机构申请变更考试时间：理由必填，提交后待审核', async () => {
  const page = institution;
  await page.getByRole('tab', { name: '变更申请' }).click();
  const tab = page.locator('[data-test="change-requests"]');
  await expect(tab).toContainText('尚无变更申请');
  await tab.locator('[data-test="request-change"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '申请变更考试时间/地点' }).filter({ visible: true });
  await expect(dialog).toContainText(`现计划：2026-03-10 至 2026-03-11，${VENUE}`);
  const start = dialog.getByPlaceholder('首个考试日');
  const end = dialog.getByPlaceholder('最后考试日');
  await start.click();
  await start.fill('2026-03-17');
  await start.press('Enter');
  await end.fill('2026-03-18');
  await end.press('Enter');
  await dialog.locator('.el-dialog__title').click();
  await expect(start).toHaveValue('2026-03-17');
  await expect(end).toHaveValue('2026-03-18');

  // No reason: refused in the form ("不得无故调整考试时间").
  await dialog.locator('[data-test="send-change"]').click();
  await expect(dialog).toContainText('请说明变更理由（不得无故调整考试时间）');
  await shot(page, 'arr-03-change-reason-required');

  await dialog.getByPlaceholder(/调整考试时间或地点的原因/).fill(CHANGE_REASON);
  await dialog.locator('[data-test="send-change"]').click();
  await expect(page.getByText('变更申请已提交，等待督导部审核')).toBeVisible();
  await expect(dialog).toBeHidden();
  const row = tab.locator('[data-test="change-request-list"] .el-table__body-wrapper tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('待审核');
  await expect(row).toContainText('2026-03-10 至 2026-03-11');
  await expect(row).toContainText('2026-03-17 至 2026-03-18');
  await expect(row).toContainText(CHANGE_REASON);
  // One pending request at a time.
  await expect(tab.locator('[data-test="request-change"]')).toBeDisabled();
  await expect(tab.locator('[data-test="change-blocked"]')).toContainText('已有待审核的变更申请');
  await shot(page, 'arr-04-change-requested');
});

test('3 督导部在“变更申请”页面审核：驳回须填理由，批准变更', async () => {
  const page = supervisor;
  await login(page, 'supervisor', '/sup');
  await page.getByRole('menuitem', { name: '变更申请', exact: true }).click();
  await expect(page).toHaveURL(/\/sup\/change-requests$/);
  const row = page.locator('[data-test="change-queue"] .el-table__body-wrapper tbody tr').filter({ hasText: CHANGE_REASON });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(INSTITUTION);
  await expect(row).toContainText('待审核');
  await expect(row.getByRole('link', { name: /批次/ })).toHaveAttribute('href', `/sup/reviews/${batchId}/plan`);
  await shot(page, 'arr-05-supervisor-queue');

  // A rejection without a comment is not sent.
  await row.locator('[data-test="reject"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '变更申请' }).filter({ visible: true });
  await expect(dialog).toContainText('驳回理由（必填）');
  await dialog.locator('[data-test="confirm-decision"]').click();
  await expect(dialog).toContainText('驳回变更申请必须说明理由');

  // Approved instead.
  await dialog.getByText('批准', { exact: true }).click();
  await expect(dialog).not.toContainText('驳回变更申请必须说明理由');
  await expect(dialog).toContainText('已提交或已通过的考务安排将退回');
  await dialog.locator('textarea').fill('理由充分，同意顺延。');
  await shot(page, 'arr-06-supervisor-approve-dialog', { whole: false });
  await dialog.locator('[data-test="confirm-decision"]').click();
  await expect(page.getByText('已批准变更')).toBeVisible();
  await expect(row).toHaveCount(0);

  await page.locator('[data-test="status-filter"]').getByText('已批准').click();
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('已批准');
  await expect(row).toContainText('理由充分，同意顺延。');
  await shot(page, 'arr-07-supervisor-approved');
});

test('4 机构看到批次已变更、考务安排被退回，场次与新计划不一致的提示', async () => {
  const page = institution;
  await page.goto(batchUrl());
  await expect(page.locator('.facts')).toContainText('2026-03-17 至 2026-03-18');
  const returned = page.locator('[data-test="returned"]');
  await expect(returned).toContainText('“考务安排”环节已被退回');
  await expect(returned).toContainText('考试计划变更已批准');
  await expect(page.locator('[data-step="arrangement"]')).toContainText('已退回');
  await shot(page, 'arr-08-arrangement-returned');

  await page.getByRole('tab', { name: '变更申请' }).click();
  const row = page.locator('[data-test="change-request-list"] .el-table__body-wrapper tbody tr');
  await expect(row).toContainText('已批准');
  await expect(row).toContainText('理由充分，同意顺延。');

  // The arrangement is open again; its sessions are on the old dates.
  await page.getByRole('tab', { name: '考务安排' }).click();
  await expect(page.locator('[data-test="arrangement-deadline"]')).toContainText('2026-03-15');
  const mismatch = page.locator('[data-test="hint-mismatch"]');
  await expect(mismatch).toHaveCount(2);
  await expect(mismatch.first()).toContainText('场次 1：考试日期 2026-03-10 不在批准的考试时间 2026-03-17 至 2026-03-18 内');
  await expect(page.locator('[data-test="save-arrangement"]')).toBeEnabled();
  await expect(page.locator('[data-test="sessions"]')).toContainText('不在批准的考试日期内');
  await shot(page, 'arr-09-arrangement-off-the-new-plan');

  // Moved to the new first exam day, saved and submitted again.
  const sessions = rows(page, 'sessions');
  await setTime(page, sessions.nth(0).locator('td').nth(3), '2026-03-17 09:00');
  await setTime(page, sessions.nth(0).locator('td').nth(4), '2026-03-17 10:30');
  await setTime(page, sessions.nth(1).locator('td').nth(3), '2026-03-17 10:30');
  await setTime(page, sessions.nth(1).locator('td').nth(4), '2026-03-17 12:00');
  await expect(mismatch).toHaveCount(0);
  await expect(page.locator('[data-test="arrangement-hints"]')).toContainText('即时检查未发现问题');
  await page.locator('[data-test="save-arrangement"]').click();
  await expect(page.getByText('考务安排已保存')).toBeVisible();
  await page.getByRole('tab', { name: '核查清单与材料' }).click();
  const step = page.locator('[data-step="arrangement"]');
  await step.locator('[data-test="submit-arrangement"]').click();
  await confirm(page, '提交');
  await expect(page.getByText('“考务安排”已提交，等待审核')).toBeVisible();
  await expect(step).toContainText('待审核');
  await expect(page.locator('[data-test="returned"]')).toHaveCount(0);
  await shot(page, 'arr-10-arrangement-resubmitted');
});
