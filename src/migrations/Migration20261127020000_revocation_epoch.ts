import { Migration } from '@mikro-orm/migrations';

/**
 * The revocation epoch (src/auth/revocation/revocation-epoch.ts): one row, part of every cached
 * token, session and user key. Bumping it makes every instance ignore what the caches held, so a
 * revocation that could not reach Redis, or a Redis restored from an older RDB/AOF, can never bring
 * a revoked session, a deactivated user or a demoted role back. `redis_run_id` remembers which
 * Redis process the caches were written to, so the first instance to see another one bumps it.
 */
export class Migration20261127020000_revocation_epoch extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "revocation_epoch" ("id" smallint not null default 1 check ("id" = 1), "epoch" bigint not null default 1, "redis_run_id" text null, "updated_at" timestamptz not null default now(), constraint "revocation_epoch_pkey" primary key ("id"));');
    this.addSql('insert into "revocation_epoch" ("id") values (1);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "revocation_epoch";');
  }
}
