import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('Webhook', { description: 'Where events are POSTed, and which; its secret is never shown here.' })
export class WebhookType {
  @Field({ description: 'The endpoint id.' })
  id!: string;

  @Field({ description: 'The target URL.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description!: string | null;

  @Field(() => [String], { description: 'The event types it is sent.' })
  events!: string[];

  @Field({ description: 'False: deliveries wait until it is enabled again.' })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it is disabled: admin, gone (it answered 410) or failing (every delivery failed for days).' })
  disabledReason!: string | null;

  @Field({ description: 'ISO 8601.' })
  createdAt!: string;

  @Field({ description: 'ISO 8601.' })
  updatedAt!: string;

  @Field(() => String, { nullable: true, description: 'The last 2xx answer (ISO 8601).' })
  lastSuccessAt!: string | null;

  @Field(() => String, { nullable: true, description: 'Since when every attempt failed (ISO 8601); null after a success.' })
  failingSince!: string | null;

  @Field(() => String, { nullable: true, description: 'Until when the secret before the last rotation still signs too (ISO 8601).' })
  previousSecretExpiresAt!: string | null;
}

@ObjectType('WebhookWithSecret', { description: 'A webhook and its new signing secret, shown this once.' })
export class WebhookWithSecretType {
  @Field(() => WebhookType, { description: 'The endpoint.' })
  webhook!: WebhookType;

  @Field({ description: 'whsec_ and base64: verify deliveries with it (the standardwebhooks libraries take it as is).' })
  secret!: string;
}

@ObjectType('WebhookDelivery', { description: 'One event sent (or to be sent) to one webhook.' })
export class WebhookDeliveryType {
  @Field({ description: 'The delivery id (to redeliver it).' })
  id!: string;

  @Field({ description: 'The endpoint it goes to.' })
  webhookId!: string;

  @Field({ description: 'The event id: the webhook-id header of every attempt.' })
  eventId!: string;

  @Field(() => String, { nullable: true, description: 'The event type; null once the event is no longer kept.' })
  eventType!: string | null;

  @Field({ description: 'pending, sending, succeeded or failed.' })
  status!: string;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last answer; null when there was none (timeout, refused connection).' })
  lastStatusCode!: number | null;

  @Field(() => Int, { nullable: true, description: 'How long the last attempt took, in milliseconds.' })
  lastLatencyMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError!: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 8601.' })
  lastAttemptAt!: string | null;

  @Field(() => String, { nullable: true, description: 'When the next attempt is due, for a pending delivery (ISO 8601).' })
  nextAttemptAt!: string | null;

  @Field({ description: 'ISO 8601.' })
  createdAt!: string;

  @Field(() => String, { nullable: true, description: 'When it succeeded or failed for good (ISO 8601).' })
  completedAt!: string | null;
}
