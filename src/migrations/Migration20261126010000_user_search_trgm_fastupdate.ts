import { Migration } from '@mikro-orm/migrations';
import { USER_SEARCH_COLUMNS } from './Migration20261126000000_user_search_trgm';

/**
 * Turns GIN's fast update off on the search's trigram indexes. With it on, updates queue in a
 * pending list that every search must scan; a few thousand of them (not yet vacuumed) made the
 * planner fall back to the sequential scan (300 ms at 100,000 users instead of a few ms). Writes
 * now update the indexes directly. Entries already pending are merged by the next VACUUM.
 */
export class Migration20261126010000_user_search_trgm_fastupdate extends Migration {
  override async up(): Promise<void> {
    for (const column of USER_SEARCH_COLUMNS) this.addSql(`alter index "users_${column}_trgm_idx" set (fastupdate = off);`);
  }

  override async down(): Promise<void> {
    for (const column of USER_SEARCH_COLUMNS) this.addSql(`alter index "users_${column}_trgm_idx" reset (fastupdate);`);
  }
}
