import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "password_hash" text not null, "first_name" varchar(100) not null, "last_name" varchar(100) not null, "phone" varchar(16) null, "role" text check ("role" in ('admin', 'moderator', 'user')) not null default 'user', "is_active" boolean not null default true, "email_verified" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_login_at" timestamptz null, "deleted_at" timestamptz null, constraint "users_pkey" primary key ("id"));`);
    // Unique among live users only, in any letter case: a deleted user's name may be taken again.
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username")) where "deleted_at" is null;`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email")) where "deleted_at" is null;`);
    this.addSql(`create index "users_is_active_idx" on "users" ("is_active");`);
    this.addSql(`create index "users_role_idx" on "users" ("role");`);
    this.addSql(`create index "users_created_at_id_idx" on "users" ("created_at", "id");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "previous_token_hash" varchar(64) null, "rotated_at" timestamptz null, "ip_address" varchar(45) not null, "user_agent" varchar(512) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_idx" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_idx" on "sessions" ("expires_at");`);
    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "password_history" ("id" uuid not null, "user_id" uuid not null, "password_hash" text not null, "created_at" timestamptz not null, constraint "password_history_pkey" primary key ("id"));`);
    this.addSql(`create index "password_history_user_created_idx" on "password_history" ("user_id", "created_at");`);
    this.addSql(`alter table "password_history" add constraint "password_history_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "audit_logs" ("id" uuid not null, "user_id" uuid null, "action" varchar(64) not null, "entity_type" varchar(64) not null, "entity_id" uuid null, "old_values" jsonb null, "new_values" jsonb null, "ip_address" varchar(45) not null, "created_at" timestamptz not null, constraint "audit_logs_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_logs_created_at_idx" on "audit_logs" ("created_at");`);
    this.addSql(`create index "audit_logs_entity_idx" on "audit_logs" ("entity_type", "entity_id");`);
    this.addSql(`create index "audit_logs_user_id_created_at_idx" on "audit_logs" ("user_id", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_logs" cascade;`);
    this.addSql(`drop table if exists "password_history" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
