import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

@ObjectType('Passkey', { description: 'A passkey of the signed-in user. Its key and credential id are never shown.' })
export class PasskeyType {
  @Field(() => UUIDResolver, { description: 'Pass to renamePasskey or deletePasskey.' })
  id!: string;

  @Field({ description: 'The name given at registration or since (at most 64 characters).' })
  name!: string;

  @Field({ description: 'singleDevice, or multiDevice for a passkey synced between devices.' })
  deviceType!: string;

  @Field({ description: 'Whether the authenticator says the passkey is backed up (synced).' })
  backedUp!: boolean;

  @Field(() => DateTimeResolver, { description: 'When it was registered.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The last sign-in with it; null when never used.' })
  lastUsedAt!: Date | null;
}
