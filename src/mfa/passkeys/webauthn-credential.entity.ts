import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { User } from '../../users/user.entity';

/** A passkey: the public half of a WebAuthn credential, and what clone detection needs. */
@Entity({ tableName: 'webauthn_credentials' })
export class WebAuthnCredential {
  [OptionalProps]?: 'counter' | 'transports' | 'backedUp' | 'createdAt' | 'lastUsedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: 'webauthn_credentials_user_id_idx' })
  user!: Rel<User>;

  /** The authenticator's credential id (base64url); a discoverable login finds the user by it. */
  @Property({ type: 'text', unique: 'webauthn_credentials_credential_id_unique' })
  credentialId!: string;

  /** COSE public key as the authenticator sent it. */
  @Property({ type: 'bytea', hidden: true })
  publicKey!: Buffer;

  /** The signature counter last seen; 0 for authenticators that do not count (most passkeys). */
  @Property({ type: 'bigint' })
  counter: string = '0';

  @Property({ type: 'json', nullable: true })
  transports: string[] | null = null;

  /** singleDevice or multiDevice (synced): shown to the user, and a synced passkey never counts. */
  @Property({ length: 16 })
  deviceType!: string;

  @Property({ type: 'boolean' })
  backedUp: boolean = false;

  @Property({ length: 64 })
  name!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;
}
