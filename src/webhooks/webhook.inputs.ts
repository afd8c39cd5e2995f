import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/event.catalogue';

/*
 * Shared by GraphQL (input objects) and REST (bodies), validated by the service: both doors accept
 * the same data. Whether a URL may be called at all is the target guard's rule (webhook-target.guard.ts).
 */

const URL_MAX = 2048;
const TYPES_MESSAGE = `each of events must be one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`;
const IfPresent = (field: string) => ValidateIf((input: object) => (input as Record<string, unknown>)[field] !== undefined);

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookInput {
  @Field({ description: 'Where events are POSTed: https (http only where WEBHOOK_ALLOW_HTTP allows), no credentials in it.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(URL_MAX)
  url!: string;

  @Field(() => [String], { description: 'The event types it is sent (the catalogue at /asyncapi.json), e.g. user.created.' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true, message: TYPES_MESSAGE })
  events!: string[];

  @Field(() => String, { nullable: true, description: 'What it is for, for admins.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook endpoint; fields left out stay as they are.' })
export class UpdateWebhookInput {
  @Field({ nullable: true, description: 'A new target URL (the same rules as at creation).' })
  @IfPresent('url')
  @IsString()
  @IsNotEmpty()
  @MaxLength(URL_MAX)
  url?: string;

  @Field(() => [String], { nullable: true, description: 'The event types it is sent from now on.' })
  @IfPresent('events')
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true, message: TYPES_MESSAGE })
  events?: string[];

  @Field(() => String, { nullable: true, description: 'What it is for; null clears it.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @Field({ nullable: true, description: 'false stops deliveries (they wait); true resumes them, also after the server disabled the endpoint.' })
  @IfPresent('enabled')
  @IsBoolean()
  enabled?: boolean;
}
