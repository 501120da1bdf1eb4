// The main flow of issue 5, in the browser, against the real binary:
// an institution (train1, a social training organisation) creates a batch in the wizard, sees
// the earliest legal exam date and the rules it breaks (an exam day too early → EXAM_LEAD_TIME),
// fixes the date, opens the batch, is told what its submission lacks, uploads the PDFs of the
// plan step, submits; the supervisor opens the review queue and the plan review, returns it with a
// reason; the institution sees the reason, uploads a new PDF and resubmits; the supervisor
// approves; the institution sees the plan approved and the next step (考试报名) open.
// Screenshots: screenshots/flow-NN-*.png, one per stage.
import type { Page } from '@playwright/test';
import { EARLIEST_EXAM_DATE, SUBMITTED_ON, TOO_EARLY_EXAM_DATE } from '../support/clock';
import { expect, login, newPage, shot, test } from '../support/fixtures';
import { makePdf } from '../support/pdf';

const INSTITUTION = '洛阳市示范职业培训学校';
const VENUE = '郑州市金水区职业技能实训中心（花园路 88 号）';
const PLAN_REPORT = '职业技能等级认定考试计划申请报告';
const CROSS_REGION_FORM = '河南省省属社会培训评价组织跨地区认定申请表';
const RETURN_NOTE = '申请报告未加盖机构公章';
const RETURN_COMMENT = '请上传加盖公章的申请报告后重新提交。';

test.describe.configure({ mode: 'serial' });

/** Types a date range into Element Plus's range picker and closes it. */
async function pickExamDates(page: Page, start: string, end: string): Promise<void> {
  // The start input carries the form item's label (考试日期), the end its own placeholder.
  const first = page.getByRole('combobox', { name: /^\*?\s*考试日期$/ });
  const last = page.getByRole('combobox', { name: '最后考试日' });
  await first.click();
  await first.fill(start);
  await first.press('Enter');
  await last.fill(end);
  await last.press('Enter');
  await page.keyboard.press('Escape');
  await expect(first).toHaveValue(start);
  await expect(last).toHaveValue(end);
}

/** Picks the option of an Element Plus select found by its form label. */
async function chooseOption(page: Page, select: ReturnType<Page['locator']>, option: string | RegExp): Promise<void> {
  await select.click();
  await page.getByRole('option', { name: option }).filter({ visible: true }).first().click();
}

/** Uploads a PDF through the material's drop zone, as a click and a file chooser. */
async function uploadPdf(page: Page, material: string, fileName: string, text: string): Promise<void> {
  const row = materialRow(page, material);
  const chooser = page.waitForEvent('filechooser');
  await row.getByRole('button', { name: new RegExp(`上传.*${material}`) }).click();
  await (await chooser).setFiles({ name: fileName, mimeType: 'application/pdf', buffer: makePdf(text) });
  await expect(row).toContainText('已上传');
  await expect(row).toContainText(fileName);
}

/** The row of a material in a step's checklist (not the rule rows that name it too). */
function materialRow(page: Page, material: string) {
  return page.locator('[data-step="plan"]').getByRole('row', { name: new RegExp(`^《${material}》`) });
}

/** Answers Element Plus's confirm box with the named button. */
async function confirm(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toBeVisible();
  await box.getByRole('button', { name: button, exact: true }).click();
}

let institution: Page;
let supervisor: Page;
let batchUrl = '';

test.beforeAll(async ({ browser }) => {
  institution = await newPage(browser);
  supervisor = await newPage(browser);
});

test.afterAll(async () => {
  await institution?.context().close();
  await supervisor?.context().close();
});

test('1 机构在向导中新建批次：最早考试日期提示与规则预检', async () => {
  const page = institution;
  await login(page, 'train1', '/inst');
  await page.getByRole('button', { name: '新建认定批次' }).click();
  await expect(page).toHaveURL(/\/inst\/batches\/new$/);
  await expect(page.getByRole('heading', { name: '新建认定批次' })).toBeVisible();
  const rules = page.locator('[data-test="rules-panel"]');

  // 基本信息: a social training organisation works in the supervised module only.
  await expect(page.getByText('社会培训评价组织只能在监管中心模块开展认定')).toBeVisible();
  await page.getByRole('button', { name: '下一步' }).click();

  // 考试时间与考点: the earliest legal exam date for a plan submitted today (from the calendar).
  const earliest = page.locator('[data-test="earliest-exam-date"]');
  await expect(earliest).toContainText('2026年2月25日（周三）');
  await expect(earliest).toContainText(`自 ${SUBMITTED_ON} 次日起算的三个工作日：2026-02-13、2026-02-14、2026-02-24`);

  // An exam day inside the Spring Festival holiday is too early: flagged at the field and in the panel.
  await pickExamDates(page, TOO_EARLY_EXAM_DATE, TOO_EARLY_EXAM_DATE);
  const leadTime = rules.getByRole('listitem').filter({ hasText: 'EXAM_LEAD_TIME' });
  await expect(leadTime).toHaveClass(/fail/);
  await expect(leadTime).toContainText(`最早 ${EARLIEST_EXAM_DATE}`);
  await expect(page.locator('.live-hint').filter({ hasText: '考试时间应安排在计划申报之日起三个工作日后' })).toBeVisible();

  // The venue in another city than the organisation's own (洛阳): the plan will need the cross-region form.
  await page.getByPlaceholder(/洛阳市某职业培训学校/).fill(VENUE);
  await chooseOption(page, page.locator('.el-form-item').filter({ hasText: '考点所在地市' }).locator('.el-select'), /郑州市/);
  await expect(page.getByText(`跨地区认定：制定计划环节须上传《${CROSS_REGION_FORM}》`)).toBeVisible();
  await expect(rules.getByRole('listitem').filter({ hasText: 'CROSS_REGION_FORM_REQUIRED' })).toBeVisible();
  await shot(page, 'flow-01-wizard-exam-too-early');

  // Fixed: the first exam day on the earliest legal date itself.
  await pickExamDates(page, EARLIEST_EXAM_DATE, '2026-02-26');
  await expect(leadTime).toHaveClass(/pass/);
  await expect(leadTime).toContainText(`首个考试日不早于 ${EARLIEST_EXAM_DATE}`);
  await expect(page.locator('.live-hint').filter({ hasText: '考试时间应安排在计划申报之日起三个工作日后' })).toHaveCount(0);
  await page.getByRole('button', { name: '下一步' }).click();

  // 职业与人数: fewer than 15 candidates of an occupation is flagged (MIN_HEADCOUNT), then fixed.
  const occupations = page.locator('.occ-table');
  await chooseOption(page, occupations.locator('.el-select').first(), /养老护理员/);
  const count = occupations.getByRole('spinbutton');
  await count.fill('12');
  await count.blur();
  const headcount = rules.getByRole('listitem').filter({ hasText: 'MIN_HEADCOUNT' });
  await expect(headcount).toHaveClass(/fail/);
  await expect(headcount).toContainText('少于15人');
  await expect(page.getByText(/预检发现 \d+ 项问题/)).toBeVisible();
  await shot(page, 'flow-02-wizard-headcount-too-small');

  await count.fill('18');
  await count.blur();
  await expect(headcount).toHaveClass(/pass/);
  await expect(rules.getByRole('listitem').filter({ has: page.locator('.bad') })).toHaveCount(0);
  await shot(page, 'flow-03-wizard-all-rules-pass');

  await page.locator('[data-test="create-batch"]').click();
  await expect(page).toHaveURL(/\/inst\/batches\/[0-9a-f-]{36}(\?.*)?$/);
  batchUrl = new URL(page.url()).pathname;
  await expect(page.getByRole('heading', { name: /2026年 养老护理员 认定批次/ })).toBeVisible();
});

test('2 机构打开批次：提交被拒并逐项列出缺失材料，上传 PDF 后提交计划', async () => {
  const page = institution;
  const plan = page.locator('[data-step="plan"]');
  await expect(page.getByText(VENUE)).toBeVisible();
  await expect(page.locator('[data-test="deadlines"]')).toContainText(EARLIEST_EXAM_DATE);
  await expect(plan).toContainText('尚不满足提交条件');
  await expect(materialRow(page, PLAN_REPORT)).toContainText('缺失');
  await expect(materialRow(page, CROSS_REGION_FORM)).toContainText('缺失');

  // Submitting now: the server's 422, each violation beside the material it concerns.
  await plan.locator('[data-test="submit-plan"]').click();
  await confirm(page, '提交');
  const problem = plan.locator('[data-test="submit-problem"]');
  await expect(problem).toBeVisible();
  await expect(materialRow(page, PLAN_REPORT)).toContainText(`缺少材料：《${PLAN_REPORT}》`);
  await expect(materialRow(page, PLAN_REPORT)).toContainText('MATERIAL_MISSING');
  await expect(materialRow(page, CROSS_REGION_FORM)).toContainText('考试地点位于郑州市，本机构属洛阳市');
  await expect(materialRow(page, CROSS_REGION_FORM)).toContainText('CROSS_REGION_FORM_REQUIRED');
  await shot(page, 'flow-04-submit-refused-missing-materials');

  await uploadPdf(page, PLAN_REPORT, 'plan-application.pdf', 'Exam plan application - Luoyang training school');
  await uploadPdf(page, CROSS_REGION_FORM, 'cross-region-form.pdf', 'Cross-region certification application form');
  await expect(plan).toContainText('材料与规则均已满足，可以提交');
  await expect(problem).toHaveCount(0);
  await shot(page, 'flow-05-materials-uploaded');

  await plan.locator('[data-test="submit-plan"]').click();
  await confirm(page, '提交');
  await expect(page.getByText('“制定计划”已提交，等待审核')).toBeVisible();
  await expect(plan).toContainText('待审核');
  await expect(plan.locator('[data-test="submit-plan"]')).toHaveCount(0);
  await shot(page, 'flow-06-plan-submitted');
});

/** From the review queue, the plan review of train1's batch. */
async function openReview(page: Page): Promise<void> {
  await page.getByRole('menuitem', { name: '审核队列', exact: true }).click();
  await expect(page).toHaveURL(/\/sup\/reviews$/);
  // Already on the queue after the last decision: the menu does not reload it, the button does.
  await page.getByRole('button', { name: '刷新' }).click();
  // Fresh data: train1 has this one batch waiting (train2's seeded plan waits too).
  const row = page.getByRole('row', { name: new RegExp(INSTITUTION) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('制定计划');
  await row.getByRole('button', { name: '审核' }).click();
  await expect(page).toHaveURL(new RegExp(`/sup/reviews/${batchUrl.split('/').pop()}/plan$`));
  await expect(page.getByText(`审核环节：制定计划`)).toBeVisible();
}

test('3 督导部在审核队列中打开计划审核并退回（附退回原因）', async () => {
  const page = supervisor;
  await login(page, 'supervisor', '/sup');
  await openReview(page);
  await expect(page.locator('.title').filter({ hasText: INSTITUTION })).toBeVisible();
  // The step's PDFs are listed and previewed beside the decision form.
  await expect(page.getByRole('heading', { name: '本环节材料（2）' })).toBeVisible();
  await page.getByText(`《${PLAN_REPORT}》`, { exact: true }).filter({ visible: true }).first().click();
  await expect(page.locator('iframe[title="plan-application.pdf"]')).toBeVisible();

  const form = page.locator('[data-test="decision-form"]');
  await form.getByText('退回', { exact: true }).click();
  const reason = form.locator('.reason').filter({ hasText: PLAN_REPORT });
  await reason.locator('.el-checkbox').click();
  await reason.getByPlaceholder(/具体问题/).fill(RETURN_NOTE);
  await form.getByPlaceholder('退回说明（选填）').fill(RETURN_COMMENT);
  await expect(page.locator('[data-test="decide"]')).toHaveText(/退回（1 条原因）/);
  await page.locator('[data-test="decide"]').scrollIntoViewIfNeeded();
  await shot(page, 'flow-07-supervisor-return-with-reason', { whole: false });

  await page.locator('[data-test="decide"]').click();
  await confirm(page, '退回');
  await expect(page).toHaveURL(/\/sup\/reviews$/);
  await expect(page.getByRole('row', { name: new RegExp(INSTITUTION) })).toHaveCount(0);
});

test('4 机构看到退回原因，重新上传材料并再次提交', async () => {
  const page = institution;
  await page.goto(batchUrl);
  const returned = page.locator('[data-test="returned"]');
  await expect(returned).toContainText('“制定计划”环节已被退回');
  await expect(returned).toContainText(`审核意见：${RETURN_COMMENT}`);
  await expect(returned).toContainText(RETURN_NOTE);
  const plan = page.locator('[data-step="plan"]');
  await expect(plan).toContainText('已退回');
  await shot(page, 'flow-08-institution-sees-return-reason');

  await uploadPdf(page, PLAN_REPORT, 'plan-application-stamped.pdf', 'Exam plan application - stamped');
  await plan.locator('[data-test="submit-plan"]').click();
  await confirm(page, '提交');
  await expect(page.getByText('“制定计划”已提交，等待审核')).toBeVisible();
  await expect(plan).toContainText('待审核');
  await expect(returned).toHaveCount(0);
  await page.getByRole('tab', { name: /审核记录/ }).click();
  await expect(page.getByRole('row', { name: new RegExp(RETURN_NOTE) })).toContainText('退回');
  await shot(page, 'flow-09-plan-resubmitted');
});

test('5 督导部审核通过', async () => {
  const page = supervisor;
  await openReview(page);
  // The new PDF is the one under review.
  await page.getByText(`《${PLAN_REPORT}》`, { exact: true }).filter({ visible: true }).first().click();
  await expect(page.locator('iframe[title="plan-application-stamped.pdf"]')).toBeVisible();
  const form = page.locator('[data-test="decision-form"]');
  await form.getByText('通过', { exact: true }).click();
  await form.getByPlaceholder('选填').fill('材料齐全，同意。');
  await page.locator('[data-test="decide"]').scrollIntoViewIfNeeded();
  await shot(page, 'flow-10-supervisor-approve', { whole: false });
  await page.locator('[data-test="decide"]').click();
  await confirm(page, '审核通过');
  await expect(page).toHaveURL(/\/sup\/reviews$/);
  await expect(page.getByRole('row', { name: new RegExp(INSTITUTION) })).toHaveCount(0);
});

test('6 机构看到计划已通过，考试报名环节开放', async () => {
  const page = institution;
  await page.goto(batchUrl);
  const plan = page.locator('[data-step="plan"]');
  await expect(plan).toContainText('已通过');
  await expect(page.locator('[data-test="returned"]')).toHaveCount(0);
  const registration = page.locator('[data-step="registration"]');
  await expect(registration).toContainText('办理中');
  await expect(registration.locator('[data-test="submit-registration"]')).toBeVisible();
  await expect(page.getByRole('tab', { name: '审核记录（2）' })).toBeVisible();
  await shot(page, 'flow-11-plan-approved-registration-open');
});
