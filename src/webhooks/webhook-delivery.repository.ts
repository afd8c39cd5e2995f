import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';
export const DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'sending', 'succeeded', 'failed'];

/** One event's delivery to one endpoint, as admins see it. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  /** Null once the event itself was purged (older than the outbox keeps events). */
  eventType: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  completedAt: Date | null;
}

interface Row {
  id: string;
  endpoint_id: string;
  event_id: string;
  type: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
  created_at: Date;
  completed_at: Date | null;
}

const SELECT = `select d."id", d."endpoint_id", d."event_id", o."type", d."status", d."attempts", d."last_status_code", d."last_latency_ms", d."last_error",
                       d."last_attempt_at", d."next_attempt_at", d."created_at", d."completed_at"
                  from "webhook_deliveries" d left join "event_outbox" o on o."id" = d."event_id"`;

const date = (value: Date | string | null) => (value === null ? null : new Date(value));

function toDelivery(row: Row): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastLatencyMs: row.last_latency_ms,
    lastError: row.last_error,
    lastAttemptAt: date(row.last_attempt_at),
    nextAttemptAt: row.status === 'pending' ? date(row.next_attempt_at) : null,
    createdAt: date(row.created_at)!,
    completedAt: date(row.completed_at),
  };
}

/** The admin side of webhook_deliveries, on the request's EntityManager (and its transaction). */
export const webhookDeliveries = {
  /** Newest first. */
  async list(em: EntityManager, webhookId: string, options: { status?: WebhookDeliveryStatus; limit: number }): Promise<WebhookDelivery[]> {
    const rows: Row[] = await em.execute(
      `${SELECT} where d."endpoint_id" = ? ${options.status ? 'and d."status" = ?' : ''} order by d."created_at" desc, d."id" desc limit ?`,
      [webhookId, ...(options.status ? [options.status] : []), options.limit],
    );
    return rows.map(toDelivery);
  },

  async find(em: EntityManager, webhookId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    const rows: Row[] = await em.execute(`${SELECT} where d."endpoint_id" = ? and d."id" = ?`, [webhookId, deliveryId]);
    return rows[0] ? toDelivery(rows[0]) : null;
  },

  /**
   * A finished delivery (succeeded or failed) back to pending, due now, with a fresh set of retries
   * and the same event (so the same webhook-id). Null when it is not finished (or not there).
   */
  async reschedule(em: EntityManager, webhookId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    const updated: { id: string }[] = await em.execute(
      `update "webhook_deliveries" set "status" = 'pending', "retries" = 0, "next_attempt_at" = now(), "completed_at" = null
        where "endpoint_id" = ? and "id" = ? and "status" in ('succeeded', 'failed')
          and exists (select 1 from "event_outbox" o where o."id" = "event_id")
        returning "id"`,
      [webhookId, deliveryId],
    );
    return updated.length > 0 ? this.find(em, webhookId, deliveryId) : null;
  },

  /** A delivery of one event to one endpoint, due now (a test ping). */
  async insert(em: EntityManager, webhookId: string, event: { id: string; subject: string | null; sequence: number | null }): Promise<WebhookDelivery> {
    const id = randomUUID();
    await em.execute(
      `insert into "webhook_deliveries" ("id", "endpoint_id", "event_id", "ordering_key", "sequence", "status", "next_attempt_at") values (?, ?, ?, ?, ?, 'pending', now())`,
      [id, webhookId, event.id, event.subject ?? event.id, event.sequence ?? 0],
    );
    return (await this.find(em, webhookId, id))!;
  },
};
