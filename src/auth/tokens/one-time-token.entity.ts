import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { User } from '../../users/user.entity';

export type OneTimeTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

/**
 * A secret sent by e-mail (verification, password reset, e-mail change). Only its SHA-256 hash is
 * stored; at most one token per user and purpose is live at a time (the partial unique index is the
 * database's guarantee of it).
 */
@Entity({ tableName: 'one_time_tokens' })
@Unique({
  name: 'one_time_tokens_live_unique',
  expression: 'create unique index "one_time_tokens_live_unique" on "one_time_tokens" ("user_id", "purpose") where "used_at" is null and "superseded_at" is null',
})
@Index({ name: 'one_time_tokens_expires_at_idx', properties: ['expiresAt'] })
export class OneTimeToken {
  [OptionalProps]?: 'createdAt' | 'usedAt' | 'supersededAt' | 'email';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: 'one_time_tokens_user_id_idx' })
  user!: Rel<User>;

  @Property({ type: 'text' })
  purpose!: OneTimeTokenPurpose;

  /** Hex SHA-256 of the token; the token itself exists only in the mail. */
  @Property({ type: 'text', hidden: true })
  @Unique({ name: 'one_time_tokens_token_hash_unique' })
  tokenHash!: string;

  /** The address the token was sent to (for change_email: the new address it confirms). */
  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date | null;

  /** Set when a newer token of the same purpose, a password change or an e-mail change replaced it. */
  @Property({ type: 'timestamptz', nullable: true })
  supersededAt?: Date | null;
}
