import { Migration } from '@mikro-orm/migrations';

/** Old audit rows move here (same shape), keeping the live table small without losing history. */
export class Migration20261125010000_audit_archive extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "audit_logs_archive" (like "audit_logs" including all);`);
    this.addSql(`alter table "audit_logs_archive" add column "archived_at" timestamptz not null default now();`);
    this.addSql(`create index "audit_logs_action_created_at_idx" on "audit_logs" ("action", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "audit_logs_action_created_at_idx";`);
    this.addSql(`drop table if exists "audit_logs_archive";`);
  }
}
