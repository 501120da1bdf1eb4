// 事件推送 (admin): webhook subscriptions, their deliveries and the dead letters
// (docs/webhooks.md). The secret is only in the answers of create and rotate-secret.
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Webhook = Schemas['WebhookView'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type NewWebhook = Schemas['CreateWebhook'];
export type WebhookPatch = Schemas['UpdateWebhook'];
export type Delivery = Schemas['DeliveryView'];
export type WebhookTest = Schemas['TestResult'];
export type WebhookEventType = Schemas['EventTypeView'];
export type DeliveryQuery = NonNullable<operations['list_deliveries']['parameters']['query']>;

export async function listEventTypes() {
  return unwrap(await api.GET('/api/v1/webhook-event-types'));
}

export async function listWebhooks(query: { page?: number; page_size?: number } = {}) {
  return unwrap(await api.GET('/api/v1/webhooks', { params: { query } }));
}

export async function createWebhook(body: NewWebhook, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/webhooks', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

/** Optimistic: `body.version` is the version read; a stale one answers 409. */
export async function patchWebhook(id: string, body: WebhookPatch) {
  return unwrap(await api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id } }, body }));
}

/** Removes the subscription with its deliveries (non-2xx answers throw, as every call). */
export async function deleteWebhook(id: string) {
  await api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } });
}

export async function rotateSecret(id: string) {
  return unwrap(await api.POST('/api/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } }));
}

export async function testWebhook(id: string) {
  return unwrap(await api.POST('/api/v1/webhooks/{id}/test', { params: { path: { id } } }));
}

export async function webhookDeliveries(id: string, query: DeliveryQuery = {}) {
  return unwrap(await api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id }, query } }));
}

export async function listDeliveries(query: DeliveryQuery = {}) {
  return unwrap(await api.GET('/api/v1/webhook-deliveries', { params: { query } }));
}

export async function redeliver(id: string) {
  return unwrap(await api.POST('/api/v1/webhook-deliveries/{id}/redeliver', { params: { path: { id } } }));
}
