import { randomUUID } from 'node:crypto';
import { Entity, EntityRepositoryType, Enum, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { UserRepository } from './user.repository';
import { UserRole } from './user-role';

/**
 * Username (ASCII) is unique case-insensitively, email by its comparison key (src/users/email), both
 * among live users only: the partial unique indexes let a soft-deleted user's name be taken again.
 */
@Entity({ tableName: 'users', repository: () => UserRepository })
@Unique({
  name: 'users_username_lower_unique',
  expression: 'create unique index "users_username_lower_unique" on "users" (lower("username")) where "deleted_at" is null',
})
@Unique({
  name: 'users_email_key_unique',
  expression: 'create unique index "users_email_key_unique" on "users" ("email_key") where "deleted_at" is null',
})
@Index({ name: 'users_created_at_id_idx', properties: ['createdAt', 'id'] })
// Trigram indexes for the search (q): ILIKE '%term%' on each of these columns (migrations 20261126000000 and 20261126010000).
@Index({ name: 'users_username_trgm_idx', expression: 'create index "users_username_trgm_idx" on "users" using gin ("username" gin_trgm_ops) with (fastupdate = off)' })
@Index({ name: 'users_email_trgm_idx', expression: 'create index "users_email_trgm_idx" on "users" using gin ("email" gin_trgm_ops) with (fastupdate = off)' })
@Index({ name: 'users_first_name_trgm_idx', expression: 'create index "users_first_name_trgm_idx" on "users" using gin ("first_name" gin_trgm_ops) with (fastupdate = off)' })
@Index({ name: 'users_last_name_trgm_idx', expression: 'create index "users_last_name_trgm_idx" on "users" using gin ("last_name" gin_trgm_ops) with (fastupdate = off)' })
@Index({ name: 'users_role_idx', properties: ['role'] })
@Index({ name: 'users_is_active_idx', properties: ['isActive'] })
export class User {
  [EntityRepositoryType]?: UserRepository;

  [OptionalProps]?: 'role' | 'isActive' | 'emailVerified' | 'createdAt' | 'updatedAt' | 'phone' | 'lastLoginAt' | 'deletedAt' | 'emailKey' | 'emailIssue' | 'version' | 'securityStamp' | 'pendingEmail';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 32 })
  username!: string;

  /** NFC, lower case; set with emailKey through UserRepository (add, update). */
  @Property({ length: 254 })
  email!: string;

  /**
   * What uniqueness and sign-in compare: emailKey(email). Null only for a row the email_key
   * migration found sharing its key with an older account (see emailIssue).
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  emailKey: string | null = null;

  /** Why the stored address breaks today's rule, for rows older than the rule; null when it conforms. */
  @Property({ type: 'text', nullable: true, hidden: true })
  emailIssue: string | null = null;

  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  @Property({ length: 100 })
  firstName!: string;

  @Property({ length: 100 })
  lastName!: string;

  @Property({ type: 'varchar', length: 16, nullable: true })
  phone: string | null = null;

  @Enum({ items: () => UserRole, nativeEnumName: undefined })
  role: UserRole = UserRole.USER;

  @Property({ type: 'boolean' })
  isActive: boolean = true;

  @Property({ type: 'boolean' })
  emailVerified: boolean = false;

  /** A new address its owner asked for, applied once the link mailed there is used (NFC, lower case). */
  @Property({ type: 'varchar', length: 254, nullable: true })
  pendingEmail: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true, hidden: true })
  deletedAt: Date | null = null;

  /**
   * Replaced (renewStamp) whenever a credential or the right to sign in changes; a session is alive
   * only while it carries the current one. Never shown.
   */
  @Property({ type: 'uuid', hidden: true, defaultRaw: 'gen_random_uuid()' })
  securityStamp: string = randomUUID();

  /** Moved by the ORM on every update of the row: the ETag, and what If-Match / expectedVersion compare. */
  @Property({ version: true, default: 1 })
  version: number = 1;
}
