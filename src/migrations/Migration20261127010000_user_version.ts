import { Migration } from '@mikro-orm/migrations';

/**
 * A version on users for optimistic concurrency (ETag / If-Match, GraphQL expectedVersion):
 * MikroORM increments it on every update of the row (User.version is a version property).
 */
export class Migration20261127010000_user_version extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" add column "version" integer not null default 1;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "users" drop column "version";');
  }
}
