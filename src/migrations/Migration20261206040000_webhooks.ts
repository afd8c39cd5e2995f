import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook endpoints (admin-managed, secrets sealed) and their deliveries: one row per endpoint and
 * event, made by the outbox relay's fan-out and worked by the delivery loop (claimed with SKIP
 * LOCKED and a lease). One user's deliveries to one endpoint go in `sequence` order: the partial
 * index serves the "nothing earlier still open" check. No foreign key to event_outbox (it has no
 * entity, and the ORM would drop the key): the delivery worker purges its old rows itself.
 */
export class Migration20261206040000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "webhook_endpoints" ("id" uuid not null, "url" text not null, "description" text null, "events" text[] not null, "enabled" boolean not null default true, "disabled_reason" text null, "secret_sealed" text not null, "previous_secret_sealed" text null, "previous_secret_expires_at" timestamptz null, "created_by" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_success_at" timestamptz null, "failing_since" timestamptz null, constraint "webhook_endpoints_pkey" primary key ("id"));',
    );
    this.addSql('create index "webhook_endpoints_created_at_idx" on "webhook_endpoints" ("created_at");');
    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null, "endpoint_id" uuid not null, "event_id" uuid not null, "ordering_key" text not null, "sequence" bigint not null, "status" text not null check ("status" in ('pending', 'sending', 'succeeded', 'failed')), "attempts" int not null default 0, "retries" int not null default 0, "next_attempt_at" timestamptz not null, "lease_until" timestamptz null, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_error" text null, "last_latency_ms" int null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, constraint "webhook_deliveries_pkey" primary key ("id"), constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id"));`,
    );
    this.addSql('alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on delete cascade;');
    this.addSql('create index "webhook_deliveries_event_id_idx" on "webhook_deliveries" ("event_id");');
    this.addSql(`create index "webhook_deliveries_due_idx" on "webhook_deliveries" ("next_attempt_at") where "status" = 'pending';`);
    this.addSql(`create index "webhook_deliveries_open_idx" on "webhook_deliveries" ("endpoint_id", "ordering_key", "sequence") where "status" in ('pending', 'sending');`);
    this.addSql(`create index "webhook_deliveries_lease_idx" on "webhook_deliveries" ("lease_until") where "status" = 'sending';`);
    this.addSql('create index "webhook_deliveries_endpoint_created_idx" on "webhook_deliveries" ("endpoint_id", "created_at");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "webhook_deliveries";');
    this.addSql('drop table if exists "webhook_endpoints" cascade;');
  }
}
