import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { User } from '../../users/user.entity';

/** One single-use recovery code (the unique (user, hash) pair also serves look-ups by user), kept only as a keyed hash (see recovery-code.factor.ts). */
@Entity({ tableName: 'mfa_recovery_codes' })
@Unique({ name: 'mfa_recovery_codes_user_hash_unique', properties: ['user', 'codeHash'] })
export class RecoveryCode {
  [OptionalProps]?: 'usedAt' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  /** Which ring key made the hash, so codes issued before a rotation still verify. */
  @Property({ length: 32 })
  keyId!: string;

  @Property({ length: 64, hidden: true })
  codeHash!: string;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

