import type { Sql } from '../platform/db/sql.pool';

/** A claimed delivery with everything needed to send it. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  retries: number;
  endpoint: { id: string; url: string; secretSealed: string; previousSecretSealed: string | null; previousSecretExpiresAt: Date | null };
  event: { id: string; type: string; subject: string | null; sequence: number | null; actor: string | null; occurredAt: Date; data: Record<string, unknown> };
}

interface ClaimRow {
  id: string;
  attempts: number;
  retries: number;
  endpoint_id: string;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  event_id: string;
  type: string;
  subject: string | null;
  sequence: string | null;
  actor: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** What one attempt ended in, to record. */
export interface AttemptRecord {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The delivery loop's statements, on its own pool (src/platform/db/sql.pool.ts). */
export class WebhookDeliveryStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Takes up to `limit` due deliveries for this instance: pending, of an enabled endpoint, with no
   * earlier delivery of the same subject to the same endpoint still open (one user's events arrive
   * in order), its event still kept. SKIP LOCKED and the `sending` state keep any other instance off
   * them; the lease returns them if this one dies mid-attempt.
   */
  async claim(limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
    const rows = await this.sql.query<ClaimRow>(
      `with next as (
         select d."id" from "webhook_deliveries" d
           join "webhook_endpoints" e on e."id" = d."endpoint_id" and e."enabled"
           join "event_outbox" o on o."id" = d."event_id"
          where d."status" = 'pending' and d."next_attempt_at" <= now()
            and not exists (select 1 from "webhook_deliveries" p
                             where p."endpoint_id" = d."endpoint_id" and p."ordering_key" = d."ordering_key"
                               and p."sequence" < d."sequence" and p."status" in ('pending', 'sending'))
          order by d."next_attempt_at", d."sequence"
          limit $1
          for update of d skip locked
       ), claimed as (
         update "webhook_deliveries" d set "status" = 'sending', "lease_until" = now() + make_interval(secs => $2),
                "attempts" = d."attempts" + 1, "last_attempt_at" = now()
           from next where d."id" = next."id"
         returning d."id", d."attempts", d."retries", d."endpoint_id", d."event_id"
       )
       select c."id", c."attempts", c."retries", c."endpoint_id", e."url", e."secret_sealed", e."previous_secret_sealed", e."previous_secret_expires_at",
              c."event_id", o."type", o."subject", o."sequence", o."actor", o."occurred_at", o."data"
         from claimed c join "webhook_endpoints" e on e."id" = c."endpoint_id" join "event_outbox" o on o."id" = c."event_id"`,
      [limit, leaseSeconds],
    );
    return rows.map((row) => ({
      id: row.id,
      attempts: row.attempts,
      retries: row.retries,
      endpoint: { id: row.endpoint_id, url: row.url, secretSealed: row.secret_sealed, previousSecretSealed: row.previous_secret_sealed, previousSecretExpiresAt: row.previous_secret_expires_at },
      event: { id: row.event_id, type: row.type, subject: row.subject, sequence: row.sequence === null ? null : Number(row.sequence), actor: row.actor, occurredAt: row.occurred_at, data: row.data },
    }));
  }

  /** Deliveries whose instance died mid-attempt go back to pending (the attempt stays counted). */
  async releaseExpiredLeases(): Promise<number> {
    const rows = await this.sql.query(`update "webhook_deliveries" set "status" = 'pending', "lease_until" = null where "status" = 'sending' and "lease_until" < now() returning 1`);
    return rows.length;
  }

  /**
   * One statement: the delivery, and the endpoint's last success (written at most once a second:
   * every delivery to a busy endpoint would otherwise queue on that one row).
   */
  async succeeded(delivery: ClaimedDelivery, attempt: AttemptRecord): Promise<void> {
    await this.sql.query(
      `with done as (
         update "webhook_deliveries" set "status" = 'succeeded', "lease_until" = null, "completed_at" = now(), "last_status_code" = $3, "last_latency_ms" = $4, "last_error" = null
          where "id" = $1 and "status" = 'sending' and "attempts" = $2
         returning "endpoint_id")
       update "webhook_endpoints" e set "last_success_at" = now(), "failing_since" = null from done
        where e."id" = done."endpoint_id" and (e."failing_since" is not null or e."last_success_at" is null or e."last_success_at" < now() - interval '1 second')`,
      [delivery.id, delivery.attempts, attempt.statusCode, attempt.latencyMs],
    );
  }

  /** `retryInMs` null: failed for good. Returns since when the endpoint has been failing. */
  async failed(delivery: ClaimedDelivery, attempt: AttemptRecord, retryInMs: number | null): Promise<Date> {
    await this.sql.query(
      `update "webhook_deliveries"
          set "status" = $3, "retries" = "retries" + 1, "lease_until" = null, "last_status_code" = $4, "last_latency_ms" = $5, "last_error" = $6,
              "next_attempt_at" = case when $7::float8 is null then "next_attempt_at" else now() + make_interval(secs => $7::float8 / 1000) end,
              "completed_at" = case when $3 = 'failed' then now() else null end
        where "id" = $1 and "status" = 'sending' and "attempts" = $2`,
      [delivery.id, delivery.attempts, retryInMs === null ? 'failed' : 'pending', attempt.statusCode, attempt.latencyMs, attempt.error?.slice(0, 500) ?? null, retryInMs],
    );
    const [endpoint] = await this.sql.query<{ failing_since: Date }>(
      `update "webhook_endpoints" set "failing_since" = coalesce("failing_since", now()) where "id" = $1 returning "failing_since"`,
      [delivery.endpoint.id],
    );
    return endpoint?.failing_since ?? new Date();
  }

  /** Deliveries whose event the outbox no longer keeps (it purges old events), a batch at a time. */
  async purgeOrphans(): Promise<number> {
    const rows = await this.sql.query(
      `delete from "webhook_deliveries" where "id" in (select d."id" from "webhook_deliveries" d where not exists (select 1 from "event_outbox" o where o."id" = d."event_id") limit 5000) returning 1`,
    );
    return rows.length;
  }
}
