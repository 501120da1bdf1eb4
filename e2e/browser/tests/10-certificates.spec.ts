// Issue 7's certificates, in the browser against the real binary: an employer batch (emp1,
// 电工 五级 ×3 + 四级 ×1 qualified, one candidate failed) brought to 证书发放 through the API
// (plan approved, candidates found eligible, registration, the clock moved past the exams,
// results, certificate step approved); then in the screens:
//  1 信息部 opens it from its home queue, issues (the dialog counts the qualified, the answer
//    shows the number ranges per level), sees the list (已发放), tries to print (a PDF, or a
//    clear message while the renderer is not there), publishes online (证书上网): 已上网, and
//    the batch is listed under 证书管理 → 已上网;
//  2 a visitor on a phone (375×812) opens the QR code's URL /public/certificates?number=…&code=…
//    (the code stands in for the holder's name) and sees the certificate verified (signature
//    valid, ID masked) without horizontal scrolling; the number alone shows only that it is valid;
//  3 信息部 revokes one certificate (a reason is required) and the phone lookup shows 已撤销
//    with the reason;
//  4 信息部 archives the completed batch (归档, a confirmation saying it becomes read only): 已归档,
//    the metadata with the zip's SHA-256, and 下载归档包 saves a zip (PK…) whose SHA-256 is that one;
//    a certificate revoked afterwards is listed as revoked since the archive;
//  5 信息部 downloads 证书上报 (national export, CSV) for the month: full ID numbers, revoked flagged.
// The clock is put back (afterAll). Screenshots: screenshots/cert-NN-*.png.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Download, Page } from '@playwright/test';
import { apiLogin, approveStep, idNumber, stateOf, submitStep, uploadMaterial } from '../support/batch-api';
import { expect, login, newPage, shot, test } from '../support/fixtures';

const INSTITUTION = '郑州示范装备制造有限公司职业技能等级认定中心';
const ELECTRICIAN = '6-31-01-03';
/** The day after the exams, 09:00 China time. */
const AFTER_EXAMS = '2026-03-12T01:00:00Z';
const PEOPLE = [
  { name: '陈思远', id: idNumber('41010219900101901'), level: 5, pass: true },
  { name: '林雨桐', id: idNumber('41010219910202902'), level: 5, pass: true },
  { name: '黄志强', id: idNumber('41010219920303903'), level: 5, pass: true },
  { name: '许文博', id: idNumber('41010219880404904'), level: 4, pass: true },
  { name: '马小虎', id: idNumber('41010219930505905'), level: 5, pass: false },
];
const QUALIFIED = PEOPLE.filter((p) => p.pass);
const REVOKE_REASON = '经核查，该考生技能考核存在替考行为，证书予以撤销。';
/** SPEC §6: Y (employer) · 0000 (filed with the province) · 41 · site 410101 · 26 · level · serial. */
const NUMBER = /^Y00004141010126[1-5]\d{6}$/;

test.describe.configure({ mode: 'serial' });

let batchId = '';
let clockBefore = '';
let info: Page;
/** Certificate number by holder name, read from the list once issued. */
const numbers = new Map<string, string>();

test.beforeAll(async () => {
  const admin = await apiLogin('admin');
  clockBefore = String((await admin.get('/api/v1/admin/clock')).now);

  // -- plan approved, candidates registered (no warnings: the registration approves itself).
  let emp = await apiLogin('emp1');
  const sup0 = await apiLogin('supervisor');
  const batch = await emp.post(
    '/api/v1/batches',
    {
      module: 'supervised',
      method: 'exam',
      year: 2026,
      exam_start: '2026-03-10',
      exam_end: '2026-03-11',
      venue: '郑州市金水区职业技能实训基地',
      venue_region: '4101',
      occupations: [
        { occupation_code: ELECTRICIAN, level: 5, planned_count: 4 },
        { occupation_code: ELECTRICIAN, level: 4, planned_count: 1 },
      ],
    },
    201,
  );
  batchId = String(batch.id);
  await uploadMaterial(emp, batchId, 'plan_application');
  await submitStep(emp, batchId, 'plan');
  await approveStep(sup0, batchId, 'plan');
  await sup0.dispose();
  const candidateIds: string[] = [];
  for (const p of PEOPLE) {
    const c = await emp.post(
      `/api/v1/batches/${batchId}/candidates`,
      { name: p.name, id_number: p.id, phone: '13803710000', occupation_code: ELECTRICIAN, level: p.level, education: '高中', work_years: 8 },
      201,
    );
    candidateIds.push(String(c.id));
    // 资格审核: only candidates found eligible are certified.
    await emp.post(`/api/v1/candidates/${String(c.id)}/eligibility`, { eligible: true });
  }
  const registered = await submitStep(emp, batchId, 'registration');
  expect(stateOf(registered, 'registration'), JSON.stringify(registered.steps)).toBe('approved');
  expect(stateOf(registered, 'certificate')).toBe('draft');
  await emp.dispose();

  // -- past the exams: results, the certificate step's materials, submitted and approved.
  await admin.put('/api/v1/admin/clock', { now: AFTER_EXAMS });
  await admin.dispose();
  emp = await apiLogin('emp1'); // the old tokens expired a month ago, as far as the server knows
  await emp.put(`/api/v1/batches/${batchId}/results`, {
    results: PEOPLE.map((p, i) => ({ candidate_id: candidateIds[i], theory: p.pass ? 82 : 41, skill: 76, review: null })),
  });
  for (const kind of ['abnormality_verification', 'qualified_confirmation', 'internal_qa_report']) {
    await uploadMaterial(emp, batchId, kind);
  }
  await submitStep(emp, batchId, 'certificate');
  await emp.dispose();
  const sup = await apiLogin('supervisor');
  const approved = await approveStep(sup, batchId, 'certificate');
  await sup.dispose();
  expect(approved.status).toBe('issuing');
  expect(stateOf(approved, 'issuance')).toBe('submitted');
});

test.afterAll(async () => {
  await info?.context().close();
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

/** A visitor's phone: 375×812 CSS pixels, touch, the platform's time. */
async function phone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: process.env.SKILLCERT_E2E_BASE_URL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 375, height: 812 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
  await context.clock.install({ time: new Date(AFTER_EXAMS) });
  return context.newPage();
}

/** Nothing on the page is wider than the window (no sideways scrolling on a phone). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.scroll, `page ${widths.scroll}px wide in a ${widths.window}px window`).toBeLessThanOrEqual(widths.window);
}

/** The bytes of a download the page saved. */
async function downloaded(download: Download): Promise<Buffer> {
  const path = await download.path();
  return readFileSync(path);
}

function certificateRows(page: Page) {
  return page.locator('[data-test="certificates"] .el-table__body-wrapper tbody tr');
}

// -- the story ---------------------------------------------------------------------------------

test('1 信息部发证（合格人数与编号区间）、查看证书列表、打印、证书上网', async ({ browser }) => {
  info = await newPage(browser);
  await info.clock.setSystemTime(new Date(AFTER_EXAMS));
  const page = info;
  await login(page, 'info', '/info');

  // The home queue opens the batch's certificate page.
  const queued = page.locator('.queue .el-table__body-wrapper tbody tr').filter({ hasText: INSTITUTION }).filter({ hasText: '2026-03-10' });
  await expect(queued).toHaveCount(1);
  await expect(queued).toContainText('证书发放');
  await queued.getByRole('button', { name: '办理' }).click();
  await expect(page).toHaveURL(new RegExp(`/info/certificates/${batchId}$`));
  await expect(page.locator('[data-test="phase"]')).toHaveText('待发证');
  await expect(page.locator('[data-test="certificates"]')).toContainText('本批次尚未发证');
  await shot(page, 'cert-01-to-issue');

  // 发证: the dialog counts the qualified candidates (the failed one is not among them).
  await page.locator('[data-test="issue"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '本批次合格人员' }).filter({ visible: true });
  await expect(dialog.locator('[data-test="qualified-count"]')).toHaveText(String(QUALIFIED.length));
  await shot(page, 'cert-02-issue-dialog', { whole: false });
  const issuedAnswer = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/certificates/issue`));
  await dialog.locator('[data-test="confirm-issue"]').click();
  expect((await issuedAnswer).status()).toBe(201);
  await expect(dialog).toBeHidden();

  // The answer's number ranges, per level: 四级 ×1, 五级 ×3.
  const result = page.locator('[data-test="issue-result"]');
  await expect(result).toContainText(`本次发证 ${QUALIFIED.length} 本`);
  await expect(result).toContainText('发证日期 2026年3月12日');
  await expect(result.locator('li')).toHaveCount(2);
  await expect(result.locator('li').filter({ hasText: '四级/中级工：' })).toContainText('（1 本）');
  await expect(result.locator('li').filter({ hasText: '五级/初级工：' })).toContainText(/ 至 .*（3 本）/);
  await expect(page.locator('[data-test="phase"]')).toHaveText('已发证，待上网');

  // The list: number, name, masked ID, level, 已发放.
  const rows = certificateRows(page);
  await expect(rows).toHaveCount(QUALIFIED.length);
  for (const p of QUALIFIED) {
    const row = rows.filter({ hasText: p.name });
    await expect(row).toContainText(`${p.id.slice(0, 6)}********${p.id.slice(14)}`);
    await expect(row).not.toContainText(p.id);
    await expect(row).toContainText(p.level === 5 ? '五级/初级工' : '四级/中级工');
    await expect(row.locator('[data-test="cert-status"]')).toHaveText('已发放');
    const number = (await row.locator('td').first().innerText()).trim();
    expect(number).toMatch(NUMBER);
    expect(number[15]).toBe(String(p.level));
    numbers.set(p.name, number);
  }
  await expect(certificateRows(page).filter({ hasText: '马小虎' })).toHaveCount(0);
  await expect(result.locator('li').filter({ hasText: '四级/中级工：' })).toContainText(numbers.get('许文博') ?? '-');
  await shot(page, 'cert-03-issued');

  // 打印 one certificate: a PDF in a new tab, or — while the renderer is not installed — a clear
  // Chinese message (404 / 503 PDF_RENDERER_UNAVAILABLE), never a blank tab.
  const firstRow = rows.filter({ hasText: QUALIFIED[0].name });
  const pdfAnswer = page.waitForResponse((r) => /\/api\/v1\/certificates\/[0-9a-f-]{36}\/pdf$/.test(r.url()));
  await firstRow.getByRole('button', { name: '打印' }).click();
  const pdf = await pdfAnswer;
  if (pdf.ok()) {
    expect(pdf.headers()['content-type']).toContain('application/pdf');
  } else {
    const message = pdf.status() === 503 ? '证书打印服务暂不可用' : '未找到该证书的打印文件';
    await expect(page.getByText(message)).toBeVisible();
    await shot(page, 'cert-04-print-unavailable', { whole: false });
  }
  await expect.poll(() => page.context().pages().length).toBe(pdf.ok() ? 2 : 1);
  for (const extra of page.context().pages().slice(1)) await extra.close();

  // 证书上网.
  await page.locator('[data-test="publish"]').click();
  await expect(page.locator('.el-message-box')).toContainText(`本批次共 ${QUALIFIED.length} 本证书`);
  const published = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/certificates/publish`));
  await confirm(page, '确认上网');
  expect((await published).status()).toBe(200);
  await expect(page.getByText(`已上网 ${QUALIFIED.length} 本证书，批次已办结`)).toBeVisible();
  await expect(page.locator('[data-test="phase"]')).toHaveText('已上网');
  await expect(page.locator('[data-test="publish"]')).toHaveCount(0);
  await expect(page.locator('[data-test="issue"]')).toHaveCount(0);
  await expect(rows.locator('[data-test="cert-status"]').filter({ hasText: '已上网' })).toHaveCount(QUALIFIED.length);
  await shot(page, 'cert-05-published');

  // 证书管理: the batch under 已上网; it left the home queue.
  await page.getByRole('menuitem', { name: '证书管理' }).click();
  await expect(page).toHaveURL(/\/info\/certificates$/);
  await page.locator('[data-test="cert-tab"]').getByText(/已上网/).click();
  const listed = page.locator('[data-test="cert-batches"] .el-table__body-wrapper tbody tr').filter({ hasText: INSTITUTION }).filter({ hasText: '2026-03-10' });
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText(new RegExp(`已上网\\s*${QUALIFIED.length} 本`));
  await shot(page, 'cert-06-batches-published');
  await page.getByRole('menuitem', { name: '证书发放待办' }).click();
  await expect(page.locator('.queue')).not.toContainText('2026-03-10');
});

/** The page a certificate's QR code opens (`verify_url` of the 信息部's list), as a path on this site. */
async function qrPath(number: string): Promise<string> {
  const session = await apiLogin('info');
  const list = await session.get(`/api/v1/batches/${batchId}/certificates`);
  await session.dispose();
  const item = (list.items as { number: string; verify_url: string }[]).find((c) => c.number === number);
  expect(item).toBeTruthy();
  const url = new URL(item!.verify_url);
  expect(url.searchParams.get('number')).toBe(number);
  expect(url.searchParams.get('code')).toMatch(/^[0-9A-Z]{8}$/);
  return `${url.pathname}${url.search}`;
}

test('2 公众用手机扫证书二维码：按编号和校验码自动查询，电子签名核验通过', async ({ browser }) => {
  const holder = QUALIFIED[1];
  const number = numbers.get(holder.name) ?? '';
  expect(number).toMatch(NUMBER);
  const page = await phone(browser);
  const looked = page.waitForResponse((r) => r.url().includes('/api/v1/public/certificates?'));
  await page.goto(await qrPath(number));
  expect((await looked).status()).toBe(200);

  const card = page.locator('[data-test="certificate"]');
  await expect(card).toHaveCount(1);
  await expect(card.locator('[data-test="verdict"]')).toContainText('证书有效 · 电子签名核验通过');
  await expect(card.locator('[data-test="status"]')).toHaveText('有效');
  await expect(card.locator('[data-test="signature"]')).toHaveText('电子签名核验通过');
  await expect(card).toContainText(number);
  await expect(card).toContainText(holder.name);
  await expect(card).toContainText(INSTITUTION);
  await expect(card).toContainText(`${holder.id.slice(0, 6)}********${holder.id.slice(14)}`);
  await expect(card).not.toContainText(holder.id);
  await expect(page.getByPlaceholder(/22位证书编号/)).toHaveValue(number);
  await expectNoSidewaysScroll(page);
  await shot(page, 'cert-07-phone-verified');

  // The number alone (a link without the code): valid, and nothing about whose it is.
  await page.goto(`/public/certificates?number=${number}`);
  const validity = page.locator('[data-test="validity"]');
  await expect(validity.locator('[data-test="verdict"]')).toContainText('证书有效 · 电子签名核验通过');
  await expect(validity.locator('[data-test="status"]')).toHaveText('有效');
  await expect(validity).toContainText(number);
  await expect(page.locator('[data-test="certificate"]')).toHaveCount(0);
  await expect(page.locator('.lookup')).not.toContainText(holder.name);
  await expect(page.locator('.lookup')).not.toContainText(holder.id.slice(0, 6));
  await page.context().close();
});

test('3 信息部撤销证书（原因必填），公众查询显示已撤销及原因', async ({ browser }) => {
  const holder = QUALIFIED[0];
  const number = numbers.get(holder.name) ?? '';
  const page = info;
  await page.goto(`/info/certificates/${batchId}`);
  const row = certificateRows(page).filter({ hasText: holder.name });
  await row.locator('[data-test="revoke"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '撤销原因' }).filter({ visible: true });
  await expect(dialog).toContainText(number);
  // Without a reason nothing is sent.
  await dialog.locator('[data-test="confirm-revoke"]').click();
  await expect(dialog).toContainText('请填写撤销原因');
  await dialog.locator('textarea').fill(REVOKE_REASON);
  await shot(page, 'cert-08-revoke-dialog', { whole: false });
  const revoked = page.waitForResponse((r) => r.url().endsWith('/revoke'));
  await dialog.locator('[data-test="confirm-revoke"]').click();
  expect((await revoked).status()).toBe(200);
  await expect(dialog).toBeHidden();
  await expect(row.locator('[data-test="cert-status"]')).toHaveText('已撤销');
  await expect(row).toContainText(REVOKE_REASON);
  await expect(row.locator('[data-test="revoke"]')).toHaveCount(0);
  await shot(page, 'cert-09-revoked-in-list');

  const visitor = await phone(browser);
  await visitor.goto(await qrPath(number));
  const card = visitor.locator('[data-test="certificate"]');
  await expect(card.locator('[data-test="verdict"]')).toContainText('证书已撤销');
  await expect(card.locator('[data-test="verdict"]')).toContainText(`撤销原因：${REVOKE_REASON}`);
  await expect(card.locator('[data-test="status"]')).toHaveText('已撤销');
  // Revoked, but still the platform's own record: the signature over its content verifies.
  await expect(card.locator('[data-test="signature"]')).toHaveText('电子签名核验通过');
  await expectNoSidewaysScroll(visitor);
  await shot(visitor, 'cert-10-phone-revoked');
  await visitor.context().close();
});

test('4 信息部归档：确认只读，显示已归档与 SHA-256，下载归档包（ZIP）', async () => {
  const page = info;
  await page.goto(`/info/certificates/${batchId}`);
  await expect(page.locator('[data-test="phase"]')).toHaveText('已上网');
  await expect(page.locator('[data-test="archive-card"]')).toHaveCount(0);
  await expect(page.locator('[data-test="download-archive"]')).toHaveCount(0);

  // 归档: the confirmation says what happens (read only, not undone); 取消 sends nothing.
  await page.locator('[data-test="archive"]').click();
  const box = page.locator('.el-message-box').filter({ visible: true });
  await expect(box).toContainText('归档后批次变为只读');
  await expect(box).toContainText('SHA-256');
  await shot(page, 'cert-11-archive-confirm', { whole: false });
  const archived = page.waitForResponse((r) => r.url().endsWith(`/batches/${batchId}/archive`) && r.request().method() === 'POST');
  await confirm(page, '确认归档');
  const answer = await archived;
  expect(answer.status()).toBe(201);
  const meta = (await answer.json()) as { sha256: string; size: number; file_count: number };
  expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/);

  // 已归档, the metadata, no 归档 button any more.
  await expect(page.getByText('批次已归档', { exact: true })).toBeVisible();
  const card = page.locator('[data-test="archive-card"]');
  await expect(card.locator('[data-test="archived-tag"]')).toHaveText('已归档');
  await expect(page.locator('.title')).toContainText('已归档');
  await expect(card.locator('[data-test="archive-sha256"]')).toHaveText(meta.sha256.match(/.{8}/g)?.join(' ') ?? '-');
  await expect(card.locator('[data-test="archive-facts"]')).toContainText(`${meta.file_count} 个`);
  await expect(card.locator('[data-test="archive-facts"]')).toContainText(`${meta.size.toLocaleString('en-US')} 字节`);
  await expect(card.locator('[data-test="archive-facts"]')).toContainText('2026-03-12');
  await expect(page.locator('[data-test="archive"]')).toHaveCount(0);
  await shot(page, 'cert-12-archived');

  // 下载归档包: a zip, exactly the archived bytes.
  const saving = page.waitForEvent('download');
  await page.locator('[data-test="download-archive"]').click();
  const download = await saving;
  const zip = await downloaded(download);
  expect(zip.length).toBeGreaterThan(0);
  expect(zip.length).toBe(meta.size);
  expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(createHash('sha256').update(zip).digest('hex')).toBe(meta.sha256);
  expect(download.suggestedFilename()).toMatch(/\.zip$/);

  // Revoking stays possible; the archive card then lists it as revoked since the archive.
  const holder = QUALIFIED[2];
  const row = certificateRows(page).filter({ hasText: holder.name });
  await row.locator('[data-test="revoke"]').click();
  const dialog = page.locator('.el-dialog').filter({ hasText: '撤销原因' }).filter({ visible: true });
  await dialog.locator('textarea').fill('归档后发现证件信息有误，予以撤销。');
  const revoked = page.waitForResponse((r) => r.url().endsWith('/revoke'));
  await dialog.locator('[data-test="confirm-revoke"]').click();
  expect((await revoked).status()).toBe(200);
  await page.reload();
  const later = page.locator('[data-test="revoked-since-archive"]');
  await expect(later).toContainText('归档后撤销的证书 1 本');
  await expect(page.locator('[data-test="archive-card"]')).toContainText(numbers.get(holder.name) ?? '-');
  await shot(page, 'cert-13-revoked-since-archive');

  // 证书管理 → 已上网 marks the batch 已归档.
  await page.getByRole('menuitem', { name: '证书管理' }).click();
  await page.locator('[data-test="cert-tab"]').getByText(/已上网/).click();
  const listed = page.locator('[data-test="cert-batches"] .el-table__body-wrapper tbody tr').filter({ hasText: INSTITUTION }).filter({ hasText: '2026-03-10' });
  await expect(listed).toContainText('已归档');
});

test('5 信息部证书上报：按发证日期导出 CSV（含完整证件号码，撤销的标明）', async () => {
  const page = info;
  await page.getByRole('menuitem', { name: '证书上报' }).click();
  await expect(page).toHaveURL(/\/info\/export$/);
  await expect(page.locator('[data-test="export-warning"]')).toContainText('完整的证件号码');
  // The default range: this month so far (the platform's today, 2026-03-12).
  await expect(page.locator('[data-test="export-form"] .el-range-input').first()).toHaveValue('2026-03-01');
  await expect(page.locator('[data-test="export-form"] .el-range-input').nth(1)).toHaveValue('2026-03-12');
  await expect(page.getByText('共 12 天')).toBeVisible();
  await shot(page, 'cert-14-national-export');
  const exported = page.waitForResponse((r) => r.url().includes('/api/v1/certificates/export?'));
  const saving = page.waitForEvent('download');
  await page.locator('[data-test="export-download"]').click();
  const answer = await exported;
  expect(answer.status()).toBe(200);
  expect(answer.url()).toContain('from=2026-03-01&to=2026-03-12&format=csv');
  const csv = await downloaded(await saving);
  expect(csv.subarray(0, 3).toString('hex')).toBe('efbbbf');
  const text = csv.toString('utf8');
  for (const p of QUALIFIED) expect(text).toContain(p.id);
  expect(text).toContain('已撤销');
  expect(text).toContain(REVOKE_REASON);
  await expect(page.locator('[data-test="export-done"]')).toContainText('2026-03-01 至 2026-03-12（CSV）');
});
