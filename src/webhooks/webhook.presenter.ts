import type { WebhookDelivery } from './webhook-delivery.repository';
import type { WebhookEndpoint } from './webhook-endpoint.entity';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** An endpoint as both doors show it: never a secret, sealed or not. */
export function presentWebhook(webhook: WebhookEndpoint) {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    events: [...webhook.events],
    enabled: webhook.enabled,
    disabledReason: webhook.disabledReason,
    createdAt: webhook.createdAt.toISOString(),
    updatedAt: webhook.updatedAt.toISOString(),
    lastSuccessAt: iso(webhook.lastSuccessAt),
    failingSince: iso(webhook.failingSince),
    previousSecretExpiresAt: webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt.getTime() > Date.now() ? webhook.previousSecretExpiresAt.toISOString() : null,
  };
}

export function presentWebhookDelivery(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastLatencyMs: delivery.lastLatencyMs,
    lastError: delivery.lastError,
    lastAttemptAt: iso(delivery.lastAttemptAt),
    nextAttemptAt: iso(delivery.nextAttemptAt),
    createdAt: delivery.createdAt.toISOString(),
    completedAt: iso(delivery.completedAt),
  };
}
