// Notices (issue 6 deadline clock), in the browser against the real binary: the supervisor
// records an extension of a social-training batch's completion window, with the mandatory
// reason; the institution's header bell then counts one more unread notice than before (earlier
// spec files move the platform clock, so deadline alerts may already be waiting), its popover
// shows the extension and the reason, and the 消息通知 page lists it until it is marked read.
// Screenshots: screenshots/notices-NN-*.png.
import { expect, login, newPage, shot, test } from '../support/fixtures';

const TRAIN2 = '郑州市示范技能培训中心';
const REASON = '考点所在地突发停电，部分考生需补考';

test.describe.configure({ mode: 'serial' });

test('督导部记录延期 → 机构收到通知', async ({ browser }) => {
  // -- train2's unread count before the extension.
  const before = await newPage(browser);
  const counted = before.waitForResponse((r) => r.url().endsWith('/api/v1/notices/unread-count') && r.ok());
  await login(before, 'train2', '/inst');
  const unreadBefore = Number((await (await counted).json()).unread_count);
  expect(Number.isInteger(unreadBefore)).toBe(true);
  await before.context().close();

  // -- The supervisor opens train2's batch and records an extension.
  const sup = await newPage(browser);
  await login(sup, 'supervisor', '/sup');
  await expect(sup.locator('[data-test="notice-bell"]')).toBeVisible();
  await sup.getByRole('menuitem', { name: '认定批次', exact: true }).click();
  await sup.getByRole('row', { name: new RegExp(TRAIN2) }).first().click();
  await expect(sup).toHaveURL(/\/sup\/reviews\//);
  await sup.getByRole('tab', { name: '完成期限延期' }).click();
  const date = sup.getByPlaceholder('新的最后一天（不晚于当年12月31日）');
  await date.click();
  await date.fill('2026-12-20');
  await date.press('Enter');
  // No reason: refused in the form.
  await sup.getByRole('button', { name: '记录延期' }).click();
  await expect(sup.getByText('请填写延期理由')).toBeVisible();
  await sup.locator('textarea').last().fill(REASON);
  await sup.getByRole('button', { name: '记录延期' }).click();
  await expect(sup.getByText('已将完成期限延长至 2026-12-20')).toBeVisible();
  await shot(sup, 'notices-01-extension', { whole: false });
  await sup.context().close();

  // -- train2: the bell counts one more unread notice; the popover shows it with the reason.
  const inst = await newPage(browser);
  await login(inst, 'train2', '/inst');
  const bell = inst.locator('[data-test="notice-bell"]');
  await expect(bell.locator('button')).toHaveAttribute('aria-label', `消息通知，${unreadBefore + 1} 条未读`);
  await expect(bell).toContainText(String(unreadBefore + 1));
  await bell.click();
  const popover = inst.locator('[data-test="notice-bell-list"]');
  await expect(popover).toContainText('认定完成期限已延期');
  await expect(popover).toContainText(REASON);
  await shot(inst, 'notices-02-bell', { whole: false });

  // -- The notices page lists it; marking everything read empties the bell.
  await inst.getByRole('button', { name: '查看全部通知' }).click();
  await expect(inst).toHaveURL(/\/inst\/notices$/);
  const table = inst.locator('[data-test="notices"]');
  await expect(table).toContainText('认定完成期限已延期');
  await expect(table).toContainText('2026-12-20');
  await shot(inst, 'notices-03-list');
  await inst.locator('[data-test="read-all"]').click();
  await expect(bell.locator('sup')).toBeHidden();
  await inst.getByText(/^未读（0）$/).click();
  await expect(table).toContainText('没有未读通知');
  await inst.context().close();
});
