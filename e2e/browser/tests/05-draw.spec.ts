// 双随机、一公开 in the browser (issue 6, SPEC §7): the supervisor defines a draw over every batch
// under supervision, sees the seed's commitment published while the seed stays hidden, runs the
// draw and verifies it; a visitor reads the result on the public page and recomputes it (the
// platform and the browser both say it matches); inspector1 opens an assigned batch, reads it and
// files a report with a PDF; the supervisor's review page shows the findings.
// Screenshots: screenshots/draw-NN-*.png, one per stage.
import type { Page } from '@playwright/test';
import { expect, login, newPage, shot, test } from '../support/fixtures';
import { makePdf } from '../support/pdf';

const TITLE = '2026年第一季度现场督导抽查';
const FINDINGS = '理论考试按计划集中在线机考，考场秩序良好，身份核验规范；第二考场监考人员迟到5分钟，已当场纠正。';

test.describe.configure({ mode: 'serial' });

/** Answers Element Plus's confirm box with the named button. */
async function confirm(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toBeVisible();
  await box.getByRole('button', { name: button, exact: true }).click();
}

let supervisor: Page;
let drawUrl = '';
let reportedBatch = '';

test.beforeAll(async ({ browser }) => {
  supervisor = await newPage(browser);
});

test.afterAll(async () => {
  await supervisor?.context().close();
});

test('1 督导部新建抽查：固定抽取池并公布种子承诺', async () => {
  const page = supervisor;
  await login(page, 'supervisor', '/sup');
  await page.getByRole('menuitem', { name: '双随机抽查' }).click();
  await expect(page).toHaveURL(/\/sup\/draws$/);
  await expect(page.getByRole('heading', { name: '“双随机、一公开”抽查' })).toBeVisible();
  await page.locator('[data-test="new-draw"]').click();
  const dialog = page.locator('.el-dialog').filter({ visible: true });
  await expect(dialog).toBeVisible();
  // Nothing typed: the form says what is missing before anything is sent.
  await dialog.locator('[data-test="commit-draw"]').click();
  await expect(dialog.getByText('请填写抽查名称')).toBeVisible();
  await dialog.locator('[data-test="draw-title"]').fill(TITLE);
  // Every batch under supervision, two inspectors each (the demo has two, unaffiliated).
  const count = dialog.locator('.el-form-item').filter({ hasText: '抽取批次数' }).locator('input');
  await count.fill('10');
  await count.blur();
  await expect(dialog.getByText(/全部在岗督导员（2 名）/)).toBeVisible();
  await shot(page, 'draw-01-new');
  await dialog.locator('[data-test="commit-draw"]').click();

  await expect(page).toHaveURL(/\/sup\/draws\/[0-9a-f-]{36}$/);
  drawUrl = page.url();
  await expect(page.locator('[data-test="draw-status"]')).toHaveText('已公布种子承诺，待抽取');
  await expect(page.locator('[data-test="commitment"]')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(page.getByText('抽取前保密（加密保存），抽取时公开')).toBeVisible();
  await expect(page.locator('[data-test="seed"]')).toHaveCount(0);
  await shot(page, 'draw-02-committed');
});

test('2 抽取前公开页面只有种子承诺，没有种子', async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto('/public/draws');
  const card = page.locator('[data-test="public-draw"]').filter({ hasText: TITLE });
  await expect(card).toBeVisible();
  await expect(card).toContainText('已公布种子承诺，待抽取');
  await expect(card).toContainText('抽取时公开');
  await expect(card.locator('[data-test="public-seed"]')).toHaveCount(0);
  await page.context().close();
});

test('3 督导部抽取：公开种子和结果，复算一致', async () => {
  const page = supervisor;
  await page.goto(drawUrl);
  const commitment = (await page.locator('[data-test="commitment"]').textContent())?.trim() ?? '';
  await page.locator('[data-test="run-draw"]').click();
  await confirm(page, '抽取并公开');
  await expect(page.locator('[data-test="draw-status"]')).toHaveText('已抽取并公开');
  const seed = (await page.locator('[data-test="seed"]').textContent())?.trim() ?? '';
  expect(seed).toMatch(/^[0-9a-f]{64}$/);
  // The commitment published before the draw is SHA-256 of the revealed seed.
  const digest = await page.evaluate(async (text) => {
    const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  }, seed);
  expect(digest).toBe(commitment);
  const results = page.locator('[data-test="draw-results"]');
  await expect(results.locator('tbody tr').first()).toBeVisible();
  await expect(results).toContainText('质量督导员 王一');
  await expect(results).toContainText('现场督导');
  await page.locator('[data-test="verify-draw"]').click();
  await expect(page.locator('[data-test="verify-verdict"]')).toContainText('核验通过');
  await shot(page, 'draw-03-drawn-verified');
});

test('4 公众查看抽查结果并复算核验', async ({ browser }) => {
  const page = await newPage(browser);
  const answers: number[] = [];
  page.on('response', (r) => answers.push(r.status()));
  await page.goto('/public');
  await page.getByRole('link', { name: '抽查结果公开' }).click();
  await expect(page).toHaveURL(/\/public\/draws$/);
  const card = page.locator('[data-test="public-draw"]').filter({ hasText: TITLE });
  await expect(card).toContainText('已抽取并公开');
  await expect(card.locator('[data-test="public-seed"]')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(card.locator('[data-test="draw-results"]')).toContainText('质量督导员 王一');
  await card.locator('[data-test="verify-draw"]').click();
  await expect(card.locator('[data-test="verify-verdict"]')).toContainText('核验通过');
  // Both the platform and this browser recomputed it.
  await expect(card.getByRole('cell', { name: '一致', exact: true })).toHaveCount(6);
  await shot(page, 'draw-04-public-verified');
  expect(answers.filter((s) => s === 401)).toEqual([]);
  await page.context().close();
});

test('5 督导员查看分派的批次（只读）并提交督导报告', async ({ browser }) => {
  const page = await newPage(browser);
  await login(page, 'inspector1', '/insp');
  const tasks = page.locator('[data-test="my-inspections"]');
  await expect(tasks.locator('tbody tr').first()).toBeVisible();
  await expect(tasks).toContainText(TITLE);
  await expect(tasks).toContainText('待提交');
  await shot(page, 'draw-05-inspector-tasks');
  // The batch the task is about: the page reads it (read only) from GET /batches/{id}.
  const batchRead = page.waitForResponse((r) => /\/api\/v1\/batches\/[0-9a-f-]{36}$/.test(r.url()) && r.status() === 200);
  await tasks.locator('[data-test="open-inspection"]').first().click();
  await expect(page).toHaveURL(/\/insp\/inspections\/[0-9a-f-]{36}$/);
  reportedBatch = ((await (await batchRead).json()) as { id: string }).id;
  await expect(page.getByRole('heading', { name: '考务安排（只读）' })).toBeVisible();
  await expect(page.getByRole('heading', { name: /批次材料（只读/ })).toBeVisible();

  // Nothing filled: every missing part is named.
  await page.locator('[data-test="submit-report"]').click();
  await expect(page.getByText('请选择督导评价')).toBeVisible();
  await expect(page.getByText('请填写督导发现')).toBeVisible();
  await expect(page.getByText('请上传督导报告 PDF')).toBeVisible();

  await page.locator('[data-test="rating"]').getByText('良好', { exact: true }).click();
  await page.locator('[data-test="findings"]').fill(FINDINGS);
  await page
    .locator('[data-test="report-files"]')
    .setInputFiles({ name: '现场督导报告.pdf', mimeType: 'application/pdf', buffer: makePdf('On-site inspection report') });
  await expect(page.getByText('现场督导报告.pdf')).toBeVisible();
  await shot(page, 'draw-06-report-form');
  await page.locator('[data-test="submit-report"]').click();
  await confirm(page, '提交');
  const report = page.locator('[data-test="inspection-report"]');
  await expect(report).toContainText('良好');
  await expect(report).toContainText(FINDINGS);
  await expect(report.getByRole('button', { name: '现场督导报告.pdf' })).toBeVisible();
  await expect(page.locator('[data-test="submit-report"]')).toHaveCount(0);
  await shot(page, 'draw-07-report-filed');
  await page.context().close();
});

test('6 督导部审核页面显示督导发现', async () => {
  const page = supervisor;
  // The review page of the batch inspector1 reported on (any step: the findings sit above).
  const batchId = reportedBatch;
  expect(batchId).toMatch(/^[0-9a-f-]{36}$/);
  await page.goto(`/sup/reviews/${batchId}/registration`);
  const findings = page.locator('[data-test="inspection-findings"]');
  await expect(findings).toContainText('外部质量督导（双随机抽查）');
  await expect(findings).toContainText(FINDINGS);
  await expect(findings).toContainText('良好');
  await findings.scrollIntoViewIfNeeded();
  await shot(page, 'draw-08-review-findings');
});
