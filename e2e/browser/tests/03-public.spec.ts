// Public pages (社会公众, no login): an exam notice published by a social training organisation
// is listed and readable by anyone; the certificate lookup and draw results pages open (their
// services come with later issues); workspace pages send a visitor to the login page.
// Screenshots: screenshots/public-*.png.
import type { Page, Response } from '@playwright/test';
import { expect, login, newPage, shot, test } from '../support/fixtures';

const NOTICE_TITLE = '2026年3月养老护理员四级职业技能等级认定考试计划';
const NOTICE_DATE = '2026-03-15';

test.describe.configure({ mode: 'serial' });

/** A visitor's page that records every answer the server gives it. */
async function visitor(browser: Parameters<typeof newPage>[0]): Promise<{ page: Page; answers: Response[] }> {
  const page = await newPage(browser);
  const answers: Response[] = [];
  page.on('response', (r) => answers.push(r));
  return { page, answers };
}

test('train1 发布考试计划公告', async ({ browser }) => {
  const page = await newPage(browser);
  await login(page, 'train1', '/inst');
  await page.getByRole('menuitem', { name: '考试计划公告', exact: true }).click();
  await expect(page).toHaveURL(/\/inst\/exam-notices$/);
  await page.getByRole('button', { name: '发布考试计划' }).click();

  const dialog = page.getByRole('dialog', { name: '发布考试计划' });
  await expect(dialog).toBeVisible();
  const item = (label: string) => dialog.locator('.el-form-item').filter({ hasText: label });
  await item('职业（工种）').locator('.el-select').click();
  await page.getByRole('option', { name: /养老护理员/ }).filter({ visible: true }).click();
  await item('等级').locator('.el-select').click();
  await page.getByRole('option', { name: '四级/中级工' }).filter({ visible: true }).click();
  const date = item('考试日期').getByRole('combobox');
  await date.fill(NOTICE_DATE);
  await date.press('Enter');
  await expect(date).toHaveValue(NOTICE_DATE);
  // The title is suggested from the occupation, level and date.
  await expect(item('标题').getByRole('textbox')).toHaveAttribute('placeholder', NOTICE_TITLE);
  await dialog.getByRole('button', { name: '发布' }).click();

  await expect(page.getByText('考试计划已发布，并在公开页面展示')).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row', { name: new RegExp(NOTICE_TITLE) })).toBeVisible();
  await shot(page, 'public-00-train1-publishes-exam-notice');
  await page.context().close();
});

test('公众无需登录即可查看考试计划公告', async ({ browser }) => {
  const { page, answers } = await visitor(browser);
  await page.goto('/public');
  await expect(page.getByRole('heading', { name: '公开查询' })).toBeVisible();
  await expect(page.getByRole('link', { name: '工作人员登录' })).toBeVisible();
  await page.getByRole('link', { name: '考试计划公告' }).click();
  await expect(page).toHaveURL(/\/public\/exam-notices$/);
  await expect(page.getByRole('heading', { name: '考试计划公告' })).toBeVisible();

  const row = page.getByRole('row', { name: new RegExp(NOTICE_TITLE) });
  await expect(row).toBeVisible();
  await expect(row).toContainText(NOTICE_DATE);
  await expect(row).toContainText('养老护理员 · 四级/中级工');
  await expect(row).toContainText('洛阳市示范职业培训学校（洛阳市）');
  await shot(page, 'public-01-exam-notices');

  await row.getByText(NOTICE_TITLE).click();
  await expect(page).toHaveURL(/\/public\/exam-notices\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: NOTICE_TITLE })).toBeVisible();
  await expect(page.getByText('发布机构：洛阳市示范职业培训学校（洛阳市）')).toBeVisible();
  const facts = page.locator('.el-descriptions');
  await expect(facts).toContainText('养老护理员（4-10-01-05）');
  await expect(facts).toContainText(NOTICE_DATE);
  await expect(facts).toContainText('理论知识');
  await shot(page, 'public-02-exam-notice-detail');

  // Nothing here needed a login: no answer asked for one.
  expect(answers.filter((r) => r.status() === 401).map((r) => r.url())).toEqual([]);
  await page.context().close();
});

test('证书查询与抽查结果公开页面可以打开', async ({ browser }) => {
  const { page, answers } = await visitor(browser);
  await page.goto('/public');
  await page.getByRole('link', { name: '证书查询' }).click();
  await expect(page).toHaveURL(/\/public\/certificates$/);
  await expect(page.getByRole('heading', { name: '职业技能等级证书查询' })).toBeVisible();
  // The form checks what is typed before anything is looked up.
  await page.getByPlaceholder(/22位证书编号/).fill('12345');
  await page.getByRole('button', { name: '查询' }).filter({ visible: true }).click();
  await expect(page.locator('.el-form-item__error').filter({ visible: true })).toBeVisible();
  // A well-formed number nobody holds: the same "not found" as any miss (no enumeration).
  await page.getByPlaceholder(/22位证书编号/).fill('S000041410001265000001');
  await page.getByRole('button', { name: '查询' }).filter({ visible: true }).click();
  await expect(page.locator('[data-test="lookup-notice"]')).toContainText('未查到证书');
  await shot(page, 'public-03-certificate-lookup');

  await page.getByRole('link', { name: '抽查结果公开' }).click();
  await expect(page).toHaveURL(/\/public\/draws$/);
  await expect(page.getByRole('heading', { name: '“双随机、一公开”抽查结果' })).toBeVisible();
  // No draw yet (tests/05-draw.spec.ts makes one).
  await expect(page.getByText('暂无公开的抽查结果')).toBeVisible();
  await shot(page, 'public-04-draw-results');
  expect(answers.filter((r) => r.status() === 401).map((r) => r.url())).toEqual([]);
  await page.context().close();
});

test('未登录访问工作台页面时转到登录页，登录页可进入公开查询', async ({ browser }) => {
  const { page } = await visitor(browser);
  await page.goto('/inst/batches');
  await expect(page).toHaveURL(/\/login\?redirect=(%2F|\/)inst(%2F|\/)batches$/);
  await expect(page.getByRole('heading', { name: '用户登录' })).toBeVisible();
  await shot(page, 'public-05-login');
  await page.getByRole('link', { name: /公开查询/ }).click();
  await expect(page).toHaveURL(/\/public$/);

  // Signing in from the redirect lands on the page first asked for.
  await page.goto('/inst/batches');
  await page.getByPlaceholder('用户名').fill('train1');
  await page.getByPlaceholder('密码').fill('Demo@2026');
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expect(page).toHaveURL(/\/inst\/batches$/);
  await page.context().close();
});
