import { Migration } from '@mikro-orm/migrations';

/**
 * The transactional outbox of domain events (issue 15): rows written in the transaction of the
 * change they tell, delivered by the relay (webhook fan-out, the Redis stream). `position` is the
 * relay's order; `sequence` numbers one subject's events, gap-free, from event_sequences, whose row
 * per subject is locked by each write until it commits.
 */
export class Migration20261206030000_event_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "event_outbox" ("position" bigint generated always as identity, "id" uuid not null, "type" text not null, "subject" uuid null, "sequence" bigint null, "actor" uuid null, "occurred_at" timestamptz not null, "data" jsonb not null, "fanout_pending" boolean not null, "stream_pending" boolean not null, "stream_retry_at" timestamptz null, constraint "event_outbox_pkey" primary key ("id"), constraint "event_outbox_position_unique" unique ("position"));',
    );
    this.addSql('create index "event_outbox_fanout_idx" on "event_outbox" ("position") where "fanout_pending";');
    this.addSql('create index "event_outbox_stream_idx" on "event_outbox" ("position") where "stream_pending";');
    this.addSql('create index "event_outbox_occurred_at_idx" on "event_outbox" ("occurred_at");');
    this.addSql('create unique index "event_outbox_subject_sequence_unique" on "event_outbox" ("subject", "sequence") where "subject" is not null;');
    this.addSql('create table "event_sequences" ("subject" uuid not null, "last_sequence" bigint not null, constraint "event_sequences_pkey" primary key ("subject"));');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "event_sequences";');
    this.addSql('drop table if exists "event_outbox" cascade;');
  }
}
