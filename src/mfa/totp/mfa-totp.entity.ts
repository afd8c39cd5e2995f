import { randomUUID } from 'node:crypto';
import { Entity, OneToOne, OptionalProps, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { User } from '../../users/user.entity';

/**
 * A user's TOTP authenticator: at most one. The secret is sealed with SecretBox (purpose
 * `totp-secret`, subject the user id), so the row alone, or a copy of it on another user, is useless.
 */
@Entity({ tableName: 'mfa_totp' })
export class MfaTotp {
  [OptionalProps]?: 'confirmed' | 'confirmedAt' | 'lastUsedStep' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @OneToOne(() => User, { owner: true, deleteRule: 'cascade', unique: 'mfa_totp_user_id_unique' })
  user!: Rel<User>;

  @Property({ type: 'text', hidden: true })
  secretSealed!: string;

  /** Set up but not yet proven with a code: it does not guard sign-in until then. */
  @Property({ type: 'boolean' })
  confirmed: boolean = false;

  @Property({ type: 'timestamptz', nullable: true })
  confirmedAt: Date | null = null;

  /** The time step of the last code accepted; a code of this step or earlier is refused (no replay). */
  @Property({ type: 'bigint', nullable: true })
  lastUsedStep: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
