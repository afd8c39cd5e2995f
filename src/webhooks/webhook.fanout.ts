import type { FanOutPort, OutboxEventRef } from '../events/outbox.relay';
import type { Sql } from '../platform/db/sql.pool';

/**
 * The relay's fan-out: one pending delivery per event and endpoint subscribed to its type, in the
 * relay's transaction (the event is marked fanned out in the same one). Disabled endpoints get
 * theirs too: they wait, and go out in order if an admin enables the endpoint again. An event fanned
 * out twice (a crash before the mark) makes no second delivery: (endpoint, event) is unique.
 */
export class WebhookFanOut implements FanOutPort {
  async fanOut(sql: Sql, events: readonly OutboxEventRef[]): Promise<number> {
    const created = await sql.query(
      `insert into "webhook_deliveries" ("id", "endpoint_id", "event_id", "ordering_key", "sequence", "status", "next_attempt_at")
       select gen_random_uuid(), e."id", o."id", coalesce(o."subject"::text, o."id"::text), coalesce(o."sequence", 0), 'pending', now()
         from "event_outbox" o
         join "webhook_endpoints" e on o."type" = any(e."events")
        where o."id" = any($1::uuid[])
       on conflict ("endpoint_id", "event_id") do nothing
       returning "id"`,
      [events.map((event) => event.id)],
    );
    return created.length;
  }
}
