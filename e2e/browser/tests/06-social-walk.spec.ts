// Issue 6's "done when", in the browser against the real binary: one social-training batch
// walked through every step up to 证书管理 (certificate), in the screens each person uses.
//  1 train1 creates the batch in the wizard (电工 五级 8 + 四级 7, exams 2026-03-10/11 in 洛阳),
//    uploads the plan PDFs on the checklist and submits; the supervisor approves on the review page.
//  2 train1 registers three candidates in the 登记考生 dialog, uploads the registration PDFs,
//    submits; the supervisor approves.
//  3 train1 fills the 考务安排 (two sessions with seats, a 考评员 and a 监考), submits; approved.
//  4 the supervisor defines a 双随机 draw over 洛阳's social-training batches with exams on those
//    two days, runs it and sees this batch picked; the assigned inspector opens the batch (read
//    only) and files a report with a PDF.
//  5 the admin moves the platform clock past the last exam day (平台时钟); train1 enters the
//    results (成绩录入), uploads the 内部质量督导报告 and submits the certificate step; the supervisor
//    sees the inspection's findings on the review page and approves; the batch is 证书办理中.
// The clock is put back (afterAll) to where it was: the other spec files share the server.
// Screenshots: screenshots/walk-NN-*.png, one per stage.
import type { Locator, Page } from '@playwright/test';
import { apiLogin, idNumber } from '../support/batch-api';
import { expect, login, newPage, shot, test } from '../support/fixtures';
import { makePdf } from '../support/pdf';

const INSTITUTION = '洛阳市示范职业培训学校';
const VENUE = '洛阳市洛龙区职业技能鉴定考点（开元大道 6 号）';
const FIRST_DAY = '2026-03-10';
const LAST_DAY = '2026-03-11';
const DRAW_TITLE = '2026年3月洛阳社会培训评价组织现场督导（全流程）';
const FINDINGS = '全流程抽查：理论考试集中在线机考，身份核验与考场纪律规范，未发现违规。';
const CANDIDATES = [
  { name: '周明远', id: idNumber('41030219880620801'), line: /五级/ },
  { name: '吴晓静', id: idNumber('41030219920311802'), line: /五级/ },
  { name: '郑国栋', id: idNumber('41030219850907803'), line: /四级/ },
];
/** Demo inspectors by display name (backend seed). */
const INSPECTORS: Record<string, string> = { '质量督导员 王一': 'inspector1', '质量督导员 赵二': 'inspector2' };

test.describe.configure({ mode: 'serial' });

let institution: Page;
let supervisor: Page;
let batchId = '';
let clockBefore = '';
const batchUrl = () => `/inst/batches/${batchId}`;

test.beforeAll(async ({ browser }) => {
  institution = await newPage(browser);
  supervisor = await newPage(browser);
  // The platform's time before this file moves it, to put it back at the end.
  const admin = await apiLogin('admin');
  clockBefore = String((await admin.get('/api/v1/admin/clock')).now);
  await admin.dispose();
});

test.afterAll(async () => {
  await institution?.context().close();
  await supervisor?.context().close();
  if (clockBefore) {
    const admin = await apiLogin('admin');
    await admin.put('/api/v1/admin/clock', { now: clockBefore });
    await admin.dispose();
  }
});

// -- helpers -----------------------------------------------------------------------------------

async function confirm(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toBeVisible();
  await box.getByRole('button', { name: button, exact: true }).click();
}

async function chooseOption(page: Page, select: Locator, option: string | RegExp): Promise<void> {
  await select.click();
  await page.getByRole('option', { name: option }).filter({ visible: true }).first().click();
}

/** The row of a material in one step's checklist. */
function materialRow(page: Page, step: string, material: string): Locator {
  return page.locator(`[data-step="${step}"]`).getByRole('row', { name: new RegExp(`^《${material}》`) });
}

/** Uploads a PDF through the material's drop zone (a click and the file chooser). */
async function uploadPdf(page: Page, step: string, material: string, fileName: string): Promise<void> {
  const row = materialRow(page, step, material);
  const chooser = page.waitForEvent('filechooser');
  await row.getByRole('button', { name: new RegExp(`上传.*${material}`) }).click();
  await (await chooser).setFiles({ name: fileName, mimeType: 'application/pdf', buffer: makePdf(`walk ${fileName}`) });
  await expect(row).toContainText('已上传');
  await expect(row).toContainText(fileName);
}

/**
 * On the checklist: the materials the step still needs are exactly `needed` (read from the
 * checklist's missing rows, not those "本批次不需要"); each uploaded as a PDF; the step submitted.
 */
async function completeAndSubmit(page: Page, step: string, stepName: string, needed: string[]): Promise<void> {
  await page.getByRole('tab', { name: '核查清单与材料' }).click();
  const section = page.locator(`[data-step="${step}"]`);
  await expect(section).toBeVisible();
  if (needed.length) await expect(section).toContainText('尚不满足提交条件');
  const missing = section
    .getByRole('row', { name: /^《/ })
    .filter({ hasText: '缺失' })
    .filter({ hasNotText: '本批次不需要' });
  const names = (await missing.allTextContents()).map((t) => /^《([^》]+)》/.exec(t)?.[1] ?? t);
  expect([...new Set(names)].sort()).toEqual([...needed].sort());
  for (const [i, name] of needed.entries()) {
    await uploadPdf(page, step, name, `${step}-${i + 1}.pdf`);
  }
  await expect(section).toContainText('材料与规则均已满足，可以提交');
  await section.locator(`[data-test="submit-${step}"]`).click();
  await confirm(page, '提交');
  await expect(page.getByText(`“${stepName}”已提交，等待审核`)).toBeVisible();
  await expect(section).toContainText('待审核');
}

/** The supervisor approves a step on the batch's review page. */
async function approve(page: Page, step: string, stepName: string, screenshot: string): Promise<void> {
  const loaded = page.waitForResponse((r) => r.url().endsWith(`/api/v1/batches/${batchId}`) && r.status() === 200);
  await page.goto(`/sup/reviews/${batchId}/${step}`);
  await loaded;
  await expect(page.getByText(`审核环节：${stepName}`)).toBeVisible();
  const form = page.locator('[data-test="decision-form"]');
  await form.getByText('通过', { exact: true }).click();
  await form.getByPlaceholder('选填').fill('材料齐全，同意。');
  await page.locator('[data-test="decide"]').scrollIntoViewIfNeeded();
  await shot(page, screenshot, { whole: false });
  const decided = page.waitForResponse((r) => r.url().endsWith(`/steps/${step}/decision`) && r.request().method() === 'POST');
  await page.locator('[data-test="decide"]').click();
  await confirm(page, '审核通过');
  expect((await decided).status()).toBe(200);
  await expect(page).toHaveURL(/\/sup\/reviews$/);
}

function rows(page: Page, table: 'sessions' | 'staff'): Locator {
  return page.locator(`[data-test="${table}"] .el-table__body-wrapper tbody tr`);
}

async function setTime(page: Page, cell: Locator, value: string): Promise<void> {
  const input = cell.locator('input');
  await input.click();
  await input.fill(value);
  await input.press('Enter');
  await page.locator('h4.sub').first().click(); // closes the picker
  await expect(input).toHaveValue(value);
}

// -- the walk ----------------------------------------------------------------------------------

test('1 制定计划：机构在向导中建批次、上传材料并提交，督导部审核通过', async () => {
  const page = institution;
  await login(page, 'train1', '/inst');
  await page.getByRole('button', { name: '新建认定批次' }).click();
  await expect(page).toHaveURL(/\/inst\/batches\/new$/);
  await page.getByRole('button', { name: '下一步' }).click();

  const first = page.getByRole('combobox', { name: /^\*?\s*考试日期$/ });
  const last = page.getByRole('combobox', { name: '最后考试日' });
  await first.click();
  await first.fill(FIRST_DAY);
  await first.press('Enter');
  await last.fill(LAST_DAY);
  await last.press('Enter');
  await page.keyboard.press('Escape');
  await expect(first).toHaveValue(FIRST_DAY);
  await expect(last).toHaveValue(LAST_DAY);
  await page.getByPlaceholder(/洛阳市某职业培训学校/).fill(VENUE);
  await chooseOption(page, page.locator('.el-form-item').filter({ hasText: '考点所在地市' }).locator('.el-select'), /洛阳市/);
  await page.getByRole('button', { name: '下一步' }).click();

  // 电工 五级 8 + 四级 7: 15 for the occupation (MIN_HEADCOUNT).
  const occupations = page.locator('.occ-table');
  await page.getByRole('button', { name: '添加职业等级' }).click();
  const lines = occupations.locator('.el-table__body-wrapper tbody tr');
  await expect(lines).toHaveCount(2);
  for (const [i, [level, count]] of ([[/五级/, '8'], [/四级/, '7']] as const).entries()) {
    const line = lines.nth(i);
    await chooseOption(page, line.locator('.el-select').first(), /电工（6-31-01-03）/);
    await chooseOption(page, line.locator('.el-select').nth(1), level);
    const planned = line.getByRole('spinbutton');
    await planned.fill(count);
    await planned.blur();
  }
  const rules = page.locator('[data-test="rules-panel"]');
  await expect(rules.getByRole('listitem').filter({ hasText: 'MIN_HEADCOUNT' })).toHaveClass(/pass/);
  await expect(rules.getByRole('listitem').filter({ has: page.locator('.bad') })).toHaveCount(0);
  await shot(page, 'walk-01-wizard');

  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/batches') && r.request().method() === 'POST');
  await page.locator('[data-test="create-batch"]').click();
  expect((await created).status()).toBe(201);
  await expect(page).toHaveURL(/\/inst\/batches\/[0-9a-f-]{36}(\?.*)?$/);
  batchId = new URL(page.url()).pathname.split('/').pop() ?? '';
  await expect(page.getByRole('heading', { name: /2026年 电工 认定批次/ })).toBeVisible();
  await expect(page.getByText(VENUE)).toBeVisible();

  await completeAndSubmit(page, 'plan', '制定计划', ['职业技能等级认定考试计划申请报告']);
  await shot(page, 'walk-02-plan-submitted');

  await login(supervisor, 'supervisor', '/sup');
  await approve(supervisor, 'plan', '制定计划', 'walk-03-plan-approve');

  await page.goto(batchUrl());
  await expect(page.locator('[data-step="plan"]')).toContainText('已通过');
  await expect(page.locator('[data-step="registration"]')).toContainText('办理中');
});

test('2 考试报名：机构登记考生、上传材料并提交，督导部审核通过', async () => {
  const page = institution;
  await page.getByRole('tab', { name: '考生名单' }).click();
  const table = page.locator('[data-test="candidates"]');
  for (const c of CANDIDATES) {
    await page.getByRole('button', { name: '登记考生' }).click();
    const dialog = page.locator('.el-dialog').filter({ hasText: '登记考生' }).filter({ visible: true });
    await expect(dialog).toBeVisible();
    await dialog.locator('.el-form-item').filter({ hasText: '姓名' }).locator('input').fill(c.name);
    await dialog.getByPlaceholder('居民身份证 18 位，末位可为 X').fill(c.id);
    await dialog.locator('.el-form-item').filter({ hasText: '手机号码' }).locator('input').fill('13803790000');
    await chooseOption(page, dialog.locator('.el-form-item').filter({ hasText: '职业等级' }).locator('.el-select'), c.line);
    await chooseOption(page, dialog.locator('.el-form-item').filter({ hasText: '学历' }).locator('.el-select'), '高中');
    const years = dialog.locator('.el-form-item').filter({ hasText: '工作年限' }).getByRole('spinbutton');
    await years.fill('12');
    await years.blur();
    if (c === CANDIDATES[0]) await shot(page, 'walk-04-add-candidate', { whole: false });
    const saved = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/candidates`) && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: '保存' }).click();
    expect((await saved).status()).toBe(201);
    await expect(page.getByText(new RegExp(`已登记 ${c.name}`))).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(table).toContainText(c.name);
  }
  const listed = table.locator('.el-table__body-wrapper tbody tr');
  await expect(listed).toHaveCount(CANDIDATES.length);
  // The institution's own 资格审核: each candidate marked 合格.
  for (const c of CANDIDATES) {
    const row = listed.filter({ hasText: c.name });
    await row.getByRole('button', { name: '合格', exact: true }).click();
    await expect(page.getByText(`${c.name}：资格审核合格`)).toBeVisible();
    await expect(row.getByRole('button', { name: '合格', exact: true })).toHaveCount(0);
  }
  await shot(page, 'walk-05-candidates');

  await completeAndSubmit(page, 'registration', '考试报名', ['考生报名资格审核合格承诺书', '职业技能等级认定个人信息登记表']);
  await approve(supervisor, 'registration', '考试报名', 'walk-06-registration-approve');
  await page.goto(batchUrl());
  await expect(page.locator('[data-step="registration"]')).toContainText('已通过');
});

test('3 考务安排：机构编排场次与人员并提交，督导部审核通过', async () => {
  const page = institution;
  await page.goto(`${batchUrl()}?tab=arrangement`);
  await expect(page.getByRole('tab', { name: '考务安排' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: '添加场次' }).click();
  await page.getByRole('button', { name: '添加场次' }).click();
  const sessions = rows(page, 'sessions');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.nth(0)).toContainText('电工 · 五级/初级工');
  await expect(sessions.nth(0).getByRole('spinbutton')).toHaveValue('2');
  await expect(sessions.nth(1)).toContainText('电工 · 四级/中级工');
  await expect(sessions.nth(1).getByRole('spinbutton')).toHaveValue('1');
  // 五级 on the first day, 四级 on the second: the staff work both without overlap.
  await setTime(page, sessions.nth(1).locator('td').nth(3), `${LAST_DAY} 09:00`);
  await setTime(page, sessions.nth(1).locator('td').nth(4), `${LAST_DAY} 11:00`);

  await page.getByRole('button', { name: '添加人员' }).click();
  const staff = rows(page, 'staff');
  await staff.nth(0).getByPlaceholder('姓名').fill('孙考评');
  await staff.nth(0).getByPlaceholder('考评员/监考证书编号').fill('KPY-WALK-0601');
  await page.getByRole('button', { name: '添加人员' }).click();
  await staff.nth(1).getByPlaceholder('姓名').fill('钱监考');
  await staff.nth(1).locator('.el-select').first().click();
  await page.getByRole('option', { name: '监考' }).filter({ visible: true }).first().click();
  await page.locator('h4.sub').first().click();
  await staff.nth(1).getByPlaceholder('考评员/监考证书编号').fill('JK-WALK-0602');
  await expect(page.locator('[data-test="arrangement-hints"]')).toContainText('即时检查未发现问题');

  const saved = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/arrangement`) && r.request().method() === 'PUT');
  await page.locator('[data-test="save-arrangement"]').click();
  expect((await saved).status()).toBe(200);
  await expect(page.getByText('考务安排已保存')).toBeVisible();
  await shot(page, 'walk-07-arrangement');

  await completeAndSubmit(page, 'arrangement', '考务安排', []);
  await approve(supervisor, 'arrangement', '考务安排', 'walk-08-arrangement-approve');
  await page.goto(batchUrl());
  await expect(page.locator('[data-step="arrangement"]')).toContainText('已通过');
});

let inspector = '';

/**
 * The supervisor defines a draw over 洛阳's social-training batches with exams on the batch's
 * days (every batch of that pool, two inspectors each), runs and verifies it; answers the names
 * of the inspectors assigned to this batch.
 */
async function drawThisBatch(page: Page, title: string, screenshot: string): Promise<string[]> {
  await page.getByRole('menuitem', { name: '双随机抽查' }).click();
  await expect(page).toHaveURL(/\/sup\/draws$/);
  await page.locator('[data-test="new-draw"]').click();
  const dialog = page.locator('.el-dialog').filter({ visible: true });
  await dialog.locator('[data-test="draw-title"]').fill(title);
  await chooseOption(page, dialog.locator('.el-form-item').filter({ hasText: '机构类型' }).locator('.el-select'), '社会培训评价组织');
  await chooseOption(page, dialog.locator('.el-form-item').filter({ hasText: '考试地点' }).locator('.el-select'), '洛阳市');
  const from = dialog.getByPlaceholder('开始日期');
  const to = dialog.getByPlaceholder('结束日期');
  await from.click();
  await from.fill(FIRST_DAY);
  await from.press('Enter');
  await to.fill(LAST_DAY);
  await to.press('Enter');
  await dialog.locator('.el-dialog__title').click();
  await expect(from).toHaveValue(FIRST_DAY);
  await expect(to).toHaveValue(LAST_DAY);
  // Every batch of the pool (fewer than 10), both inspectors each (as conflicts allow).
  const count = dialog.locator('.el-form-item').filter({ hasText: '抽取批次数' }).locator('input');
  await count.fill('10');
  await count.blur();
  const per = dialog.locator('.el-form-item').filter({ hasText: '每批次督导员' }).locator('input');
  await per.fill('2');
  await per.blur();
  await shot(page, 'walk-09-draw-new', { whole: false });
  const committed = page.waitForResponse((r) => r.url().endsWith('/api/v1/draws') && r.request().method() === 'POST');
  await dialog.locator('[data-test="commit-draw"]').click();
  expect((await committed).status()).toBe(201);
  await expect(page).toHaveURL(/\/sup\/draws\/[0-9a-f-]{36}$/);
  await expect(page.locator('[data-test="draw-status"]')).toHaveText('已公布种子承诺，待抽取');

  await page.locator('[data-test="run-draw"]').click();
  await confirm(page, '抽取并公开');
  await expect(page.locator('[data-test="draw-status"]')).toHaveText('已抽取并公开');
  // The pick of this batch (its number is the UUID's last 8 hex digits) and who inspects it.
  const batchNo = batchId.replace(/-/g, '').slice(-8).toUpperCase();
  const pick = page.locator('[data-test="draw-results"] tbody tr').filter({ hasText: batchNo });
  await expect(pick).toHaveCount(1);
  await expect(pick).toContainText(INSTITUTION);
  await expect(pick).toContainText('2026-03-10');
  await page.locator('[data-test="verify-draw"]').click();
  await expect(page.locator('[data-test="verify-verdict"]')).toContainText('核验通过');
  await shot(page, screenshot);
  return (await pick.locator('.el-tag').allTextContents()).map((t) => t.trim()).filter((t) => t in INSPECTORS);
}

let drawTitle = DRAW_TITLE;

test('4 外部质量督导：双随机抽查抽中本批次，督导员只读查看并提交报告', async ({ browser }) => {
  const page = supervisor;
  let names = await drawThisBatch(page, drawTitle, 'walk-10-draw-picks-batch');
  if (names.length === 0) {
    // Both inspectors inspected this institution in the previous draw (another spec file's draw
    // over every batch may have done so): SPEC §7 excludes them, the pick says 无可派人员. The
    // supervisor draws again: the previous draw is now that one, which assigned nobody here.
    await expect(page.locator('[data-test="draw-results"]')).toContainText('无可派人员');
    drawTitle = `${DRAW_TITLE}（回避后重抽）`;
    names = await drawThisBatch(page, drawTitle, 'walk-10b-draw-again');
  }
  expect(names.length, 'an inspector is assigned to the batch').toBeGreaterThan(0);
  inspector = INSPECTORS[names[0]];

  // The assigned inspector: the task of this draw, the batch read only, the report.
  const insp = await newPage(browser);
  await login(insp, inspector, '/insp');
  const task = insp.locator('[data-test="my-inspections"] tbody tr').filter({ hasText: drawTitle });
  await expect(task).toHaveCount(1);
  await expect(task).toContainText('待提交');
  const batchRead = insp.waitForResponse((r) => r.url().endsWith(`/api/v1/batches/${batchId}`) && r.status() === 200);
  await task.locator('[data-test="open-inspection"]').click();
  await batchRead;
  await expect(insp).toHaveURL(/\/insp\/inspections\/[0-9a-f-]{36}$/);
  await expect(insp.getByRole('heading', { name: '考务安排（只读）' })).toBeVisible();
  await expect(insp.getByText('孙考评').first()).toBeVisible();
  await expect(insp.getByRole('heading', { name: /批次材料（只读/ })).toBeVisible();
  await insp.locator('[data-test="rating"]').getByText('良好', { exact: true }).click();
  await insp.locator('[data-test="findings"]').fill(FINDINGS);
  await insp
    .locator('[data-test="report-files"]')
    .setInputFiles({ name: '全流程督导报告.pdf', mimeType: 'application/pdf', buffer: makePdf('Walk inspection report') });
  await expect(insp.getByText('全流程督导报告.pdf')).toBeVisible();
  await shot(insp, 'walk-11-inspector-report-form');
  await insp.locator('[data-test="submit-report"]').click();
  await confirm(insp, '提交');
  const report = insp.locator('[data-test="inspection-report"]');
  await expect(report).toContainText('良好');
  await expect(report).toContainText(FINDINGS);
  await shot(insp, 'walk-12-inspector-report-filed');
  await insp.context().close();
});

test('5 证书管理：时钟过考试日，机构录入成绩并提交，督导部看到督导发现后审核通过', async ({ browser }) => {
  // The admin moves the platform clock past the last exam day on the 平台时钟 page.
  const admin = await newPage(browser);
  await login(admin, 'admin', '/admin');
  await admin.getByRole('menuitem', { name: '平台时钟' }).click();
  await expect(admin).toHaveURL(/\/admin\/clock$/);
  const target = admin.getByPlaceholder('选择北京时间');
  await target.click();
  await target.fill('2026-03-12 09:00:00');
  await target.press('Enter');
  await admin.getByRole('heading', { name: '平台时钟' }).click();
  await expect(target).toHaveValue('2026-03-12 09:00:00');
  const moved = admin.waitForResponse((r) => r.url().endsWith('/api/v1/admin/clock') && r.request().method() === 'PUT');
  await admin.getByRole('button', { name: '调整时钟' }).click();
  await confirm(admin, '调整');
  expect((await moved).status()).toBe(200);
  await expect(admin.getByText(/平台时钟已调整为 2026年3月12日（周四） 09:00/)).toBeVisible();
  await shot(admin, 'walk-13-clock-moved');
  await admin.context().close();

  // The browsers' clocks follow the platform's; the sessions signed in a month ago sign in again.
  for (const p of [institution, supervisor]) await p.clock.setSystemTime(new Date('2026-03-12T01:00:00Z'));
  const page = institution;
  await login(page, 'train1', '/inst');
  await page.goto(`${batchUrl()}?tab=results`);
  await expect(page.getByRole('tab', { name: '成绩录入' })).toHaveAttribute('aria-selected', 'true');
  const table = page.locator('.el-table').filter({ hasText: '理论知识' });
  const resultRows = table.locator('.el-table__body-wrapper tbody tr');
  await expect(resultRows).toHaveCount(CANDIDATES.length);
  for (let i = 0; i < CANDIDATES.length; i += 1) {
    const inputs = resultRows.nth(i).getByRole('spinbutton');
    await inputs.nth(0).fill(String(80 + i));
    await inputs.nth(0).blur();
    await inputs.nth(1).fill(String(72 + i));
    await inputs.nth(1).blur();
  }
  const saved = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/results`) && r.request().method() === 'PUT');
  await page.getByRole('button', { name: /保存成绩/ }).click();
  expect((await saved).status()).toBe(200);
  await expect(page.getByText(`已保存 ${CANDIDATES.length} 人成绩：合格 ${CANDIDATES.length}，不合格 0，待录入 0`)).toBeVisible();
  await expect(resultRows.filter({ hasText: '合格' })).toHaveCount(CANDIDATES.length);
  await shot(page, 'walk-14-results');

  await completeAndSubmit(page, 'certificate', '证书管理', ['内部质量督导报告']);
  await expect(materialRow(page, 'certificate', '内部质量督导报告')).toContainText('已上传');
  await shot(page, 'walk-15-certificate-submitted');

  // The supervisor reviews the certificate step with the inspection's findings beside it.
  await login(supervisor, 'supervisor', '/sup');
  await supervisor.goto(`/sup/reviews/${batchId}/certificate`);
  const findings = supervisor.locator('[data-test="inspection-findings"]');
  await expect(findings).toContainText('外部质量督导（双随机抽查）');
  await expect(findings).toContainText(FINDINGS);
  await expect(findings).toContainText('良好');
  await findings.scrollIntoViewIfNeeded();
  await shot(supervisor, 'walk-16-certificate-review-findings', { whole: false });
  await approve(supervisor, 'certificate', '证书管理', 'walk-17-certificate-approve');

  await page.goto(batchUrl());
  await expect(page.locator('[data-step="certificate"]')).toContainText('已通过');
  await expect(page.getByText('证书办理中').first()).toBeVisible();
  await shot(page, 'walk-18-certificate-approved');
});

test('6 信息部发证并上网公布，公众按证书编号和按姓名+身份证号查询并核验电子签名', async ({ browser }) => {
  // The 信息部's pages come with the rest of issue 7: issuing and publishing go through the API
  // here, as a third-party system or the 信息部's tools would call it.
  const info = await apiLogin('info');
  const issued = await info.post(`/api/v1/batches/${batchId}/certificates/issue`, {}, 201);
  expect(issued.issued).toBe(CANDIDATES.length);
  const published = await info.post(`/api/v1/batches/${batchId}/certificates/publish`, {});
  expect(published.batch_status).toBe('completed');
  const list = await info.get(`/api/v1/batches/${batchId}/certificates`);
  await info.dispose();
  const first = (list.items as { number: string; name: string }[])[0];

  const visitor = await newPage(browser);
  await visitor.goto('/public/certificates');
  await visitor.getByPlaceholder(/22位证书编号/).fill(first.number);
  await visitor.getByRole('button', { name: '查询' }).filter({ visible: true }).click();
  // The number alone: valid, and nothing about whose it is.
  const validity = visitor.locator('[data-test="validity"]');
  await expect(validity.locator('[data-test="status"]')).toHaveText('有效');
  await expect(validity).not.toContainText(first.name);
  // With the holder's name: the details.
  await visitor.locator('[data-test="number-name"]').fill(first.name);
  await visitor.getByRole('button', { name: '查询' }).filter({ visible: true }).click();
  const card = visitor.locator('[data-test="certificate"]');
  await expect(card).toContainText(first.name);
  await expect(card).toContainText('有效');
  await expect(card.locator('[data-test="signature"]')).toHaveText('电子签名核验通过');
  // The ID is masked: first 6 and last 4 only.
  const holder = CANDIDATES.find((c) => c.name === first.name);
  expect(holder).toBeTruthy();
  await expect(card).toContainText(`${holder!.id.slice(0, 6)}********${holder!.id.slice(14)}`);
  await expect(card).not.toContainText(holder!.id);
  await shot(visitor, 'walk-19-public-lookup-by-number');

  await visitor.getByRole('tab', { name: '按姓名和身份证号' }).click();
  const field = (label: string) => visitor.locator('.el-form-item').filter({ visible: true, hasText: label }).locator('input');
  await field('姓名').fill(holder!.name);
  await field('身份证号码').fill(holder!.id);
  await visitor.getByRole('button', { name: '查询' }).filter({ visible: true }).click();
  await expect(card).toContainText(first.number);
  await expect(card.locator('[data-test="signature"]')).toHaveText('电子签名核验通过');
  await shot(visitor, 'walk-20-public-lookup-by-name-and-id');
  await visitor.context().close();
});
