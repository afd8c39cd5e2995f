import { Migration } from '@mikro-orm/migrations';

/** The columns user search matches (ILIKE '%q%' on each, OR-ed); the entity declares the same indexes. */
export const USER_SEARCH_COLUMNS = ['username', 'email', 'first_name', 'last_name'] as const;

/**
 * Trigram indexes for the user search (`q`): without them every search, and its count, reads the
 * whole users table (about 300 ms at 100,000 rows; a few ms with them for terms of 3+ characters).
 * pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the database owner may
 * create it. On a large live table, build the indexes CONCURRENTLY by hand first (same names);
 * this migration then only skips them.
 */
export class Migration20261126000000_user_search_trgm extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    for (const column of USER_SEARCH_COLUMNS) {
      this.addSql(`create index if not exists "users_${column}_trgm_idx" on "users" using gin ("${column}" gin_trgm_ops);`);
    }
  }

  override async down(): Promise<void> {
    for (const column of USER_SEARCH_COLUMNS) this.addSql(`drop index if exists "users_${column}_trgm_idx";`);
  }
}
