import { Migration } from '@mikro-orm/migrations';

/** A self-service e-mail change waits here until the new address is confirmed by its link (issue 14). */
export class Migration20261206020000_pending_email extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" add column "pending_email" varchar(254) null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "users" drop column if exists "pending_email";');
  }
}
