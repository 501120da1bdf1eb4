// Issue 7's service accounts, in the browser: the admin creates one (名称 + 权限), sees its token
// once (a warning, a copy button), the token works against the API; then revokes it (a
// confirmation) and the token answers 401. Screenshots: screenshots/sa-NN-*.png.
import { request } from '@playwright/test';
import { expect, login, newPage, shot, test } from '../support/fixtures';

const NAME = `国家职业技能等级认定信息系统（e2e ${Date.now()}）`;

async function statusWith(token: string, path: string): Promise<number> {
  const ctx = await request.newContext({ baseURL: process.env.SKILLCERT_E2E_BASE_URL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const status = (await ctx.get(path)).status();
  await ctx.dispose();
  return status;
}

test('管理员新建服务账号（令牌只显示一次）并吊销', async ({ browser }) => {
  const page = await newPage(browser);
  await login(page, 'admin', '/admin');
  await page.getByRole('menuitem', { name: '服务账号' }).click();
  await expect(page).toHaveURL(/\/admin\/service-accounts$/);

  await page.locator('[data-test="new-service-account"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '新建服务账号' }).filter({ visible: true });
  // Nothing is sent without a name or a scope.
  await dialog.locator('[data-test="sa-scopes"]').getByText('证书只读').click(); // unticks the default
  await dialog.locator('[data-test="sa-save"]').click();
  await expect(dialog).toContainText('请填写名称');
  await expect(dialog).toContainText('至少选择一项权限');
  await dialog.locator('input[data-test="sa-name"]').fill(NAME);
  await dialog.locator('[data-test="sa-scopes"]').getByText('批次只读').click();
  await expect(dialog).not.toContainText('请填写名称');
  await expect(dialog).not.toContainText('至少选择一项权限');
  await shot(page, 'sa-01-create', { whole: false });
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/service-accounts') && r.request().method() === 'POST');
  await dialog.locator('[data-test="sa-save"]').click();
  expect((await created).status()).toBe(201);

  const shown = page.locator('.el-dialog').filter({ hasText: '服务账号已创建' }).filter({ visible: true });
  await expect(shown).toContainText('只显示这一次');
  const token = await shown.locator('input[data-test="sa-token"]').inputValue();
  expect(token).toMatch(/^sk_/);
  await shot(page, 'sa-02-token-once', { whole: false });
  await shown.getByRole('button', { name: '我已保存令牌' }).click();
  await expect(shown).toBeHidden();

  const row = page.locator('[data-test="service-accounts"] .el-table__body-wrapper tbody tr').filter({ hasText: NAME });
  await expect(row).toContainText('批次只读');
  await expect(row).toContainText('有效');
  await expect(row).toContainText(`${token.slice(0, 9)}…`);
  await expect(row).not.toContainText(token);
  expect(await statusWith(token, '/api/v1/batches?page_size=1')).toBe(200);
  await shot(page, 'sa-03-listed');

  await row.locator('[data-test="revoke-service-account"]').click();
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toContainText('立即失效');
  await box.getByRole('button', { name: '吊销', exact: true }).click();
  await expect(row).toContainText('已吊销');
  await expect(row.locator('[data-test="revoke-service-account"]')).toHaveCount(0);
  expect(await statusWith(token, '/api/v1/batches?page_size=1')).toBe(401);
  await shot(page, 'sa-04-revoked');
  await page.context().close();
});
