import { Migration } from '@mikro-orm/migrations';

/**
 * Room on every page of users for a row's next version, so a change of columns no index covers
 * (lastLoginAt at each login, version, updatedAt) is a heap-only update: without it a full page
 * made every login write ten index entries, four of them GIN trigram entries for names that did not
 * change. Pages written from now on keep the room; existing ones gain it as rows move.
 */
export class Migration20261207010000_users_fillfactor extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" set (fillfactor = 85);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "users" reset (fillfactor);');
  }
}
