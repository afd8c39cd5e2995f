import { UUIDResolver } from 'graphql-scalars';
import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { CreateWebhookInput, UpdateWebhookInput } from './webhook.inputs';
import { presentWebhook, presentWebhookDelivery } from './webhook.presenter';
import type { WebhookService } from './webhook.service';
import { WebhookDeliveryType, WebhookType, WebhookWithSecretType } from './webhook.type';

@Resolver()
export class WebhookResolver {
  constructor(private readonly service: WebhookService) {}

  @Query(() => [WebhookType], { description: 'Every webhook endpoint, newest first (admins).' })
  async webhooks(@Ctx() ctx: RequestContext): Promise<WebhookType[]> {
    return (await this.service.list(ctx)).map(presentWebhook);
  }

  @Query(() => WebhookType, { description: 'One webhook endpoint (admins).' })
  async webhook(@Arg('id', () => UUIDResolver, { description: 'The endpoint id.' }) id: string, @Ctx() ctx: RequestContext): Promise<WebhookType> {
    return presentWebhook(await this.service.get(ctx, id));
  }

  @Query(() => [WebhookDeliveryType], { description: "A webhook's deliveries, newest first (admins)." })
  async webhookDeliveries(
    @Arg('webhookId', () => UUIDResolver, { description: 'The endpoint id.' }) webhookId: string,
    @Arg('status', () => String, { nullable: true, description: 'Only pending, sending, succeeded or failed ones.' }) status: string | null,
    @Arg('limit', () => Int, { nullable: true, description: '1-100, default 50.' }) limit: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookDeliveryType[]> {
    return (await this.service.deliveries(ctx, webhookId, { status, limit })).map(presentWebhookDelivery);
  }

  @Mutation(() => WebhookWithSecretType, { description: 'Registers a webhook endpoint; its signing secret is in the answer, this once (admins).' })
  async createWebhook(@Arg('input', { description: 'The URL, the event types, a description.' }) input: CreateWebhookInput, @Ctx() ctx: RequestContext): Promise<WebhookWithSecretType> {
    const { webhook, secret } = await this.service.create(ctx, { ...input });
    return { webhook: presentWebhook(webhook), secret };
  }

  @Mutation(() => WebhookType, { description: 'Changes a webhook endpoint; enabled: true also resumes one the server disabled (admins).' })
  async updateWebhook(@Arg('id', () => UUIDResolver, { description: 'The endpoint id.' }) id: string, @Arg('input', { description: 'The fields to change.' }) input: UpdateWebhookInput, @Ctx() ctx: RequestContext): Promise<WebhookType> {
    return presentWebhook(await this.service.update(ctx, id, withoutUndefined(input)));
  }

  @Mutation(() => Boolean, { description: 'Deletes a webhook endpoint and its deliveries (admins).' })
  async deleteWebhook(@Arg('id', () => UUIDResolver, { description: 'The endpoint id.' }) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.service.delete(ctx, id);
    return true;
  }

  @Mutation(() => WebhookWithSecretType, { description: 'A new signing secret, answered this once; the previous one keeps signing for 24 hours (admins).' })
  async rotateWebhookSecret(@Arg('id', () => UUIDResolver, { description: 'The endpoint id.' }) id: string, @Ctx() ctx: RequestContext): Promise<WebhookWithSecretType> {
    const { webhook, secret } = await this.service.rotateSecret(ctx, id);
    return { webhook: presentWebhook(webhook), secret };
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Sends a finished delivery again: the same event and webhook-id, a fresh set of retries (admins).' })
  async redeliverWebhookDelivery(
    @Arg('webhookId', () => UUIDResolver, { description: 'The endpoint id.' }) webhookId: string,
    @Arg('deliveryId', () => UUIDResolver, { description: 'The delivery id.' }) deliveryId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookDeliveryType> {
    return presentWebhookDelivery(await this.service.redeliver(ctx, webhookId, deliveryId));
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Sends a webhook.test event to this endpoint only (admins).' })
  async testWebhook(@Arg('id', () => UUIDResolver, { description: 'The endpoint id.' }) id: string, @Ctx() ctx: RequestContext): Promise<WebhookDeliveryType> {
    return presentWebhookDelivery(await this.service.test(ctx, id));
  }
}

/** GraphQL input objects carry every field; only the ones given are changes. */
function withoutUndefined(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
