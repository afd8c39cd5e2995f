import { Migration } from '@mikro-orm/migrations';

/**
 * Multi-factor authentication (issue 16): one TOTP authenticator per user (secret sealed with
 * AES-256-GCM, never in clear), single-use recovery codes kept as keyed hashes, and WebAuthn
 * credentials (passkeys). Everything goes with its user (on delete cascade).
 */
export class Migration20261206000000_mfa extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "mfa_totp" ("id" uuid not null, "user_id" uuid not null, "secret_sealed" text not null, "confirmed" boolean not null default false, "confirmed_at" timestamptz null, "last_used_step" bigint null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "mfa_totp_pkey" primary key ("id"));');
    this.addSql('alter table "mfa_totp" add constraint "mfa_totp_user_id_unique" unique ("user_id");');
    this.addSql('alter table "mfa_totp" add constraint "mfa_totp_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;');

    this.addSql('create table "mfa_recovery_codes" ("id" uuid not null, "user_id" uuid not null, "key_id" varchar(32) not null, "code_hash" varchar(64) not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "mfa_recovery_codes_pkey" primary key ("id"));');
    this.addSql('alter table "mfa_recovery_codes" add constraint "mfa_recovery_codes_user_hash_unique" unique ("user_id", "code_hash");');
    this.addSql('alter table "mfa_recovery_codes" add constraint "mfa_recovery_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;');

    this.addSql('create table "webauthn_credentials" ("id" uuid not null, "user_id" uuid not null, "credential_id" text not null, "public_key" bytea not null, "counter" bigint not null default \'0\', "transports" jsonb null, "device_type" varchar(16) not null, "backed_up" boolean not null default false, "name" varchar(64) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, constraint "webauthn_credentials_pkey" primary key ("id"));');
    this.addSql('create index "webauthn_credentials_user_id_idx" on "webauthn_credentials" ("user_id");');
    this.addSql('alter table "webauthn_credentials" add constraint "webauthn_credentials_credential_id_unique" unique ("credential_id");');
    this.addSql('alter table "webauthn_credentials" add constraint "webauthn_credentials_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "webauthn_credentials" cascade;');
    this.addSql('drop table if exists "mfa_recovery_codes" cascade;');
    this.addSql('drop table if exists "mfa_totp" cascade;');
  }
}
