import { Migration } from '@mikro-orm/migrations';

/**
 * One-time tokens of the e-mail flows (verification, password reset, e-mail change): only a hash is
 * stored, and the partial unique index keeps at most one live token per user and purpose.
 */
export class Migration20261206010000_one_time_tokens extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "one_time_tokens" ("id" uuid not null, "user_id" uuid not null, "purpose" text not null, "token_hash" text not null, "email" text null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "superseded_at" timestamptz null, constraint "one_time_tokens_pkey" primary key ("id"));',
    );
    this.addSql('create index "one_time_tokens_user_id_idx" on "one_time_tokens" ("user_id");');
    this.addSql('alter table "one_time_tokens" add constraint "one_time_tokens_token_hash_unique" unique ("token_hash");');
    this.addSql('create index "one_time_tokens_expires_at_idx" on "one_time_tokens" ("expires_at");');
    this.addSql('create unique index "one_time_tokens_live_unique" on "one_time_tokens" ("user_id", "purpose") where "used_at" is null and "superseded_at" is null;');
    this.addSql('alter table "one_time_tokens" add constraint "one_time_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "one_time_tokens" cascade;');
  }
}
