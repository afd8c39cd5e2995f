import { Migration } from '@mikro-orm/migrations';

/**
 * The security stamp: a random value on each user, replaced whenever a credential or the right to
 * sign in changes (password, deactivation, demotion, an admin reset), and copied into each session
 * when it is opened. A session whose stamp is not its user's current one is dead, so a login that
 * raced such a change cannot survive it. Existing sessions take their user's stamp.
 */
export class Migration20261127030000_security_stamp extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" add column "security_stamp" uuid not null default gen_random_uuid();');
    this.addSql('alter table "sessions" add column "security_stamp" uuid null;');
    this.addSql('update "sessions" as s set "security_stamp" = u."security_stamp" from "users" as u where u."id" = s."user_id";');
    this.addSql('alter table "sessions" alter column "security_stamp" set not null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "sessions" drop column "security_stamp";');
    this.addSql('alter table "users" drop column "security_stamp";');
  }
}
