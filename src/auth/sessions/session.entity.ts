import { randomUUID } from 'node:crypto';
import { Entity, EntityRepositoryType, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { SessionRepository } from './session.repository';
import { User } from '../../users/user.entity';

/** One login on one device; its refresh token is kept only as a hash. */
@Entity({ tableName: 'sessions', repository: () => SessionRepository })
@Index({ name: 'sessions_expires_at_idx', properties: ['expiresAt'] })
export class Session {
  [EntityRepositoryType]?: SessionRepository;

  [OptionalProps]?: 'previousTokenHash' | 'rotatedAt' | 'createdAt' | 'lastUsedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: 'sessions_user_id_idx' })
  user!: Rel<User>;

  /** SHA-256 of the current refresh token; a token that no longer matches has been rotated away. */
  @Property({ length: 64, hidden: true })
  tokenHash!: string;

  /** The hash retired by the last rotation; seen again within a moment it is a client race, not theft. */
  @Property({ type: 'varchar', length: 64, nullable: true, hidden: true })
  previousTokenHash: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  rotatedAt: Date | null = null;

  /** The user's security stamp when the session was opened; another one on the user ends it. */
  @Property({ type: 'uuid', hidden: true })
  securityStamp!: string;

  @Property({ length: 45 })
  ipAddress!: string;

  @Property({ length: 512 })
  userAgent!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  lastUsedAt: Date = new Date();
}
