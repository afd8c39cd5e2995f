import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { TimestampRules } from '../users/user.rules';

@InputType({ description: 'Every given condition must hold.' })
export class AuditLogFilterInput {
  @Field(() => UUIDResolver, { nullable: true, description: 'The acting user.' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @Field({ nullable: true, description: 'user or session.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  entityType?: string;

  @Field(() => UUIDResolver, { nullable: true })
  @IsOptional()
  @IsUUID()
  entityId?: string;

  @Field({ nullable: true, description: 'For example user.created or auth.login_failed.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'At or after this instant.' })
  @IsOptional()
  @TimestampRules()
  from?: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Before this instant.' })
  @IsOptional()
  @TimestampRules()
  to?: Date;
}
