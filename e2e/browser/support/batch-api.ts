// Batches walked through the API (not the browser) where the screens are not what a test is
// about: sign in, create, upload step PDFs, add candidates, submit and decide steps. Each call
// asserts its status, so a failing set-up says where it failed.
import { expect, request, type APIRequestContext } from '@playwright/test';
import { PASSWORD } from './fixtures';
import { makePdf } from './pdf';

function baseUrl(): string {
  const url = process.env.SKILLCERT_E2E_BASE_URL;
  if (!url) throw new Error('SKILLCERT_E2E_BASE_URL is not set: run the tests with `npm test`');
  return url;
}

export type Json = Record<string, unknown>;

/** A signed-in API session of one demo user. */
export interface ApiSession {
  ctx: APIRequestContext;
  get(path: string): Promise<Json>;
  post(path: string, body: unknown, status?: number): Promise<Json>;
  put(path: string, body: unknown, status?: number): Promise<Json>;
  dispose(): Promise<void>;
}

async function answer(response: Awaited<ReturnType<APIRequestContext['get']>>, what: string, status: number): Promise<Json> {
  const text = await response.text();
  expect(response.status(), `${what}: ${text}`).toBe(status);
  return text ? (JSON.parse(text) as Json) : {};
}

export async function apiLogin(username: string): Promise<ApiSession> {
  const anonymous = await request.newContext({ baseURL: baseUrl() });
  const login = await answer(
    await anonymous.post('/api/v1/auth/login', { data: { username, password: PASSWORD } }),
    `login ${username}`,
    200,
  );
  await anonymous.dispose();
  const ctx = await request.newContext({
    baseURL: baseUrl(),
    extraHTTPHeaders: { Authorization: `Bearer ${String(login.access_token)}` },
  });
  return {
    ctx,
    get: async (path) => answer(await ctx.get(path), `GET ${path}`, 200),
    post: async (path, body, status = 200) => answer(await ctx.post(path, { data: body }), `POST ${path}`, status),
    put: async (path, body, status = 200) => answer(await ctx.put(path, { data: body }), `PUT ${path}`, status),
    dispose: () => ctx.dispose(),
  };
}

/** Uploads a small valid PDF as material `kind` of the batch. */
export async function uploadMaterial(session: ApiSession, batchId: string, kind: string): Promise<void> {
  await answer(
    await session.ctx.post(`/api/v1/batches/${batchId}/materials`, {
      multipart: { kind, file: { name: `${kind}.pdf`, mimeType: 'application/pdf', buffer: makePdf(`e2e ${kind}`) } },
    }),
    `upload ${kind}`,
    201,
  );
}

export async function submitStep(session: ApiSession, batchId: string, step: string): Promise<Json> {
  return session.post(`/api/v1/batches/${batchId}/steps/${step}/submit`, {});
}

export async function approveStep(session: ApiSession, batchId: string, step: string): Promise<Json> {
  return session.post(`/api/v1/batches/${batchId}/steps/${step}/decision`, { decision: 'approve', comment: '同意' });
}

/** A valid 居民身份证号码 from its first 17 digits (GB 11643-1999, MOD 11-2). */
export function idNumber(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0);
  return `${first17}${'10X98765432'[sum % 11]}`;
}

/** The state of `step` in a batch body. */
export function stateOf(batch: Json, step: string): string | undefined {
  const steps = batch.steps as { step: string; state: string }[] | undefined;
  return steps?.find((s) => s.step === step)?.state;
}
