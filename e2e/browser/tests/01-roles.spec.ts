// Every demo role signs in through the login page and lands in its own workspace (issue 5 "Done
// when": logging in as each demo role shows that role's workspace). One screenshot per role:
// screenshots/role-<username>.png.
import { expect, login, newPage, shot, test } from '../support/fixtures';

test.describe('每个演示角色登录后进入自己的工作台', () => {
  test('emp1 用人单位经办人：机构工作台', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'emp1', '/inst');
    const who = page.locator('[data-test="who"]');
    await expect(who).toContainText('郑州示范装备制造有限公司职业技能等级认定中心');
    await expect(who).toContainText('评价机构经办人');
    // Employers file an annual plan (social training organisations publish exam notices instead).
    await expect(page.getByRole('button', { name: '年度考试计划' })).toBeVisible();
    await expect(page.getByRole('button', { name: '新建认定批次' })).toBeVisible();
    // The seeded batch: plan approved, registration open — a deadline of it is listed.
    await expect(page.getByRole('heading', { name: '最近截止' })).toBeVisible();
    await expect(page.locator('[data-test="deadlines"]').getByRole('link').first()).toBeVisible();
    await expect(page.getByRole('menuitem', { name: '认定批次', exact: true })).toBeVisible();
    await expect(page.getByRole('menuitem', { name: '审核队列' })).toHaveCount(0);
    await shot(page, 'role-emp1');

    // Another role's page is not theirs: the guard sends them home.
    await page.goto('/sup/reviews');
    await expect(page).toHaveURL(/\/inst$/);
    await page.context().close();
  });

  test('train1 社会培训评价组织经办人：机构工作台', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'train1', '/inst');
    const who = page.locator('[data-test="who"]');
    await expect(who).toContainText('洛阳市示范职业培训学校');
    await expect(who).toContainText('社会培训评价组织');
    await expect(page.getByRole('button', { name: '发布考试计划' })).toBeVisible();
    await expect(page.getByRole('menuitem', { name: '考试计划公告' })).toBeVisible();
    await shot(page, 'role-train1');
    await page.context().close();
  });

  test('supervisor 督导部：督导概览与审核队列', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'supervisor', '/sup');
    await expect(page.locator('[data-test="who"]')).toContainText('省评价中心督导部');
    for (const item of ['督导概览', '审核队列', '认定批次', '年度考试计划', '禁考名单']) {
      await expect(page.getByRole('menuitem', { name: item, exact: true })).toBeVisible();
    }
    // The dashboard: figures and charts of the year's batches (four seeded, one awaiting review).
    await expect(page.getByText('督导概览', { exact: true }).last()).toBeVisible();
    const waiting = page.locator('.kpi').filter({ hasText: '待我审核' });
    await expect(waiting).toContainText('1');
    await expect(page.locator('.kpi').filter({ hasText: '认定批次' })).toContainText('4');
    await expect(page.getByRole('heading', { name: '各环节批次（按机构类型）' })).toBeVisible();
    await expect(page.locator('.chart canvas').first()).toBeVisible();
    await shot(page, 'role-supervisor');

    // The queue: train2's submitted plan waits there.
    await waiting.click();
    await expect(page).toHaveURL(/\/sup\/reviews$/);
    await expect(page.getByRole('heading', { name: '审核队列' })).toBeVisible();
    const row = page.getByRole('row', { name: /郑州市示范技能培训中心/ });
    await expect(row).toBeVisible();
    await expect(row).toContainText('制定计划');
    await expect(row.getByRole('button', { name: '审核' })).toBeVisible();
    await shot(page, 'role-supervisor-queue');
    await page.context().close();
  });

  test('info 信息部：证书发放待办', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'info', '/info');
    await expect(page.locator('[data-test="who"]')).toContainText('信息部');
    await expect(page.getByRole('heading', { name: '证书发放待办' })).toBeVisible();
    // No batch of the demo data has reached issuance yet.
    await expect(page.getByText('目前没有等待信息部办理的证书发放环节')).toBeVisible();
    await shot(page, 'role-info');
    await page.context().close();
  });

  test('admin 系统管理员：评价机构与系统设置', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'admin', '/admin');
    await expect(page.locator('[data-test="who"]')).toContainText('系统管理员');
    await expect(page.getByRole('heading', { name: '评价机构' })).toBeVisible();
    for (const name of ['郑州示范装备制造有限公司职业技能等级认定中心', '洛阳市示范职业培训学校', '郑州市示范技能培训中心', '新乡市示范技师学院']) {
      await expect(page.getByRole('cell', { name }).first()).toBeVisible();
    }
    for (const item of ['用户管理', '职业目录', '工作日历', '平台时钟']) {
      await expect(page.getByRole('menuitem', { name: item, exact: true })).toBeVisible();
    }
    await shot(page, 'role-admin');
    await page.context().close();
  });

  test('inspector1 质量督导员：我的督导批次', async ({ browser }) => {
    const page = await newPage(browser);
    await login(page, 'inspector1', '/insp');
    await expect(page.locator('[data-test="who"]')).toContainText('质量督导员');
    await expect(page.getByRole('heading', { name: '我的督导批次' })).toBeVisible();
    // No draw has assigned a batch yet.
    await expect(page.getByText('目前没有分配给您的督导批次')).toBeVisible();
    await expect(page.getByRole('menuitem')).toHaveCount(1);
    await shot(page, 'role-inspector1');
    await page.context().close();
  });
});
