import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import type { AuditedCommands, CommandContext } from '../audit/audited-command.pipeline';
import { appendToOutbox } from '../events/event-outbox.repository';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../platform/errors/domain.errors';
import { assertUuid } from '../platform/validation/ids';
import { validateInput } from '../platform/validation/validate-input';
import { canOnUser } from '../users/user.policy';
import { DELIVERY_STATUSES, type WebhookDelivery, webhookDeliveries, type WebhookDeliveryStatus } from './webhook-delivery.repository';
import { WebhookEndpoint, type WebhookDisabledReason } from './webhook-endpoint.entity';
import type { WebhookDeliveriesScheduled } from './webhook.events';
import { CreateWebhookInput, UpdateWebhookInput } from './webhook.inputs';
import { PREVIOUS_SECRET_MS, type WebhookSigner } from './webhook.signer';
import { type WebhookTargetGuard, WebhookTargetRefused } from './webhook-target.guard';

/** What creation and rotation answer: the endpoint and its new secret, shown this once. */
export interface WebhookWithSecret {
  webhook: WebhookEndpoint;
  secret: string;
}

const DELIVERIES_MAX = 100;

/**
 * Webhook endpoints for admins, whichever door asks: register (the secret is answered once), read,
 * change, delete, rotate the secret (the previous one keeps signing for 24 hours), list an endpoint's
 * deliveries, send one again, send a test event. Every write runs through the command pipeline and
 * is audited; a URL's host is recorded, never the URL (its path or query may hold a token).
 */
export class WebhookService {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly signer: WebhookSigner,
    private readonly guard: WebhookTargetGuard,
  ) {}

  async create(ctx: RequestContext, raw: unknown): Promise<WebhookWithSecret> {
    return this.commands.run(ctx, {
      name: 'webhook.create',
      // Admins only, before the body is judged: nobody else learns what a valid one looks like.
      validate: async () => (this.authorize(ctx), this.checked(await validateInput(CreateWebhookInput, raw))),
      authorize: (input) => input,
      work: async ({ em, audit }, input) => {
        const webhook = em.create(WebhookEndpoint, { url: input.url, events: input.events, description: input.description ?? null, createdBy: ctx.actor!.id, secretSealed: '' });
        const secret = this.signer.newSecret();
        webhook.secretSealed = this.signer.seal(webhook.id, secret);
        em.persist(webhook);
        audit({ action: 'webhook.created', entityType: 'webhook', entityId: webhook.id, newValues: { host: new URL(webhook.url).host, events: webhook.events } });
        return { webhook, secret };
      },
    });
  }

  async list(ctx: RequestContext): Promise<WebhookEndpoint[]> {
    this.authorize(ctx);
    return ctx.em.find(WebhookEndpoint, {}, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async get(ctx: RequestContext, id: string): Promise<WebhookEndpoint> {
    this.authorize(ctx);
    return this.find(ctx.em, id);
  }

  async update(ctx: RequestContext, id: string, raw: unknown): Promise<WebhookEndpoint> {
    return this.commands.run(ctx, {
      name: 'webhook.update',
      validate: async () => (this.authorize(ctx), this.checked(await validateInput(UpdateWebhookInput, raw))),
      authorize: (input) => input,
      work: async ({ em, audit, emit }, input) => {
        const webhook = await this.find(em, id, true);
        const changed = (Object.keys(input) as (keyof UpdateWebhookInput)[]).filter((field) => input[field] !== undefined && JSON.stringify(input[field]) !== JSON.stringify(webhook[field]));
        const resumed = input.enabled === true && !webhook.enabled;
        if (input.url !== undefined) webhook.url = input.url;
        if (input.events !== undefined) webhook.events = input.events;
        if (input.description !== undefined) webhook.description = input.description;
        if (input.enabled !== undefined && input.enabled !== webhook.enabled) {
          webhook.enabled = input.enabled;
          webhook.disabledReason = input.enabled ? null : 'admin';
          // A fresh start: days of failures before it was re-enabled do not count against it.
          if (input.enabled) webhook.failingSince = null;
        }
        if (changed.length > 0) audit({ action: 'webhook.updated', entityType: 'webhook', entityId: webhook.id, newValues: { fields: changed, ...(input.url !== undefined ? { host: new URL(webhook.url).host } : {}) } });
        if (resumed) emit<WebhookDeliveriesScheduled>({ type: 'WebhookDeliveriesScheduled', webhookId: webhook.id });
        return webhook;
      },
    });
  }

  /** Its deliveries go with it. */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.commands.run(ctx, {
      name: 'webhook.delete',
      validate: () => (this.authorize(ctx), assertUuid(id, 'webhook id')),
      authorize: (webhookId) => webhookId,
      work: async ({ em, audit }, webhookId) => {
        const webhook = await this.find(em, webhookId, true);
        em.remove(webhook);
        audit({ action: 'webhook.deleted', entityType: 'webhook', entityId: webhook.id, oldValues: { host: new URL(webhook.url).host, events: webhook.events } });
      },
    });
  }

  /** A new secret, answered once; the one it replaces signs beside it for 24 hours, so receivers can switch without a gap. */
  async rotateSecret(ctx: RequestContext, id: string): Promise<WebhookWithSecret> {
    return this.commands.run(ctx, {
      name: 'webhook.rotate-secret',
      validate: () => (this.authorize(ctx), assertUuid(id, 'webhook id')),
      authorize: (webhookId) => webhookId,
      work: async ({ em, audit }, webhookId) => {
        const webhook = await this.find(em, webhookId, true);
        const secret = this.signer.newSecret();
        webhook.previousSecretSealed = webhook.secretSealed;
        webhook.previousSecretExpiresAt = new Date(Date.now() + PREVIOUS_SECRET_MS);
        webhook.secretSealed = this.signer.seal(webhook.id, secret);
        audit({ action: 'webhook.secret_rotated', entityType: 'webhook', entityId: webhook.id, newValues: { previousSecretExpiresAt: webhook.previousSecretExpiresAt.toISOString() } });
        return { webhook, secret };
      },
    });
  }

  async deliveries(ctx: RequestContext, id: string, query: { status?: string | null; limit?: number | null } = {}): Promise<WebhookDelivery[]> {
    this.authorize(ctx);
    const webhook = await this.find(ctx.em, id);
    const status = query.status ?? undefined;
    if (status !== undefined && !DELIVERY_STATUSES.includes(status as WebhookDeliveryStatus)) throw new ValidationError([{ field: 'status', message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` }]);
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERIES_MAX) throw new ValidationError([{ field: 'limit', message: `limit must be an integer from 1 to ${DELIVERIES_MAX}` }]);
    return webhookDeliveries.list(ctx.em, webhook.id, { status: status as WebhookDeliveryStatus | undefined, limit });
  }

  /** The same event again (the same webhook-id), due now, with a fresh set of retries. */
  async redeliver(ctx: RequestContext, id: string, deliveryId: string): Promise<WebhookDelivery> {
    return this.commands.run(ctx, {
      name: 'webhook.redeliver',
      validate: () => (this.authorize(ctx), { webhookId: assertUuid(id, 'webhook id'), deliveryId: assertUuid(deliveryId, 'delivery id') }),
      authorize: (input) => input,
      work: async ({ em, audit, emit }, input) => {
        const webhook = await this.find(em, input.webhookId);
        const delivery = await webhookDeliveries.reschedule(em, webhook.id, input.deliveryId);
        if (!delivery) {
          const existing = await webhookDeliveries.find(em, webhook.id, input.deliveryId);
          if (!existing) throw new NotFoundError('No such delivery of this webhook.');
          if (existing.eventType === null) throw new ConflictError('The event of this delivery is no longer kept.');
          throw new ConflictError('The delivery is already scheduled or being sent.');
        }
        audit({ action: 'webhook.redelivered', entityType: 'webhook', entityId: webhook.id, newValues: { deliveryId: delivery.id, eventId: delivery.eventId } });
        emit<WebhookDeliveriesScheduled>({ type: 'WebhookDeliveriesScheduled', webhookId: webhook.id });
        return delivery;
      },
    });
  }

  /** A webhook.test event, to this endpoint only, signed and retried like any other. */
  async test(ctx: RequestContext, id: string): Promise<WebhookDelivery> {
    return this.commands.run(ctx, {
      name: 'webhook.test',
      validate: () => (this.authorize(ctx), assertUuid(id, 'webhook id')),
      authorize: (webhookId) => webhookId,
      work: async ({ em, audit, emit }, webhookId) => {
        const webhook = await this.find(em, webhookId);
        if (!webhook.enabled) throw new ConflictError('The webhook is disabled: enable it first.');
        const [event] = await appendToOutbox(em, [{ type: 'webhook.test', subject: null, data: { webhookId: webhook.id } }], { actorId: ctx.actor?.id ?? null, fanOut: false });
        const delivery = await webhookDeliveries.insert(em, webhook.id, event);
        audit({ action: 'webhook.tested', entityType: 'webhook', entityId: webhook.id, newValues: { deliveryId: delivery.id, eventId: event.id } });
        emit<WebhookDeliveriesScheduled>({ type: 'WebhookDeliveriesScheduled', webhookId: webhook.id });
        return delivery;
      },
    });
  }

  /**
   * The server's own decision (the delivery loop's): the endpoint answered 410 Gone, or failed for
   * days. Audited without an actor, and told to admins as a webhook.disabled event (other endpoints
   * subscribed to it receive it). False when it was disabled already.
   */
  async disable(em: EntityManager, id: string, reason: Exclude<WebhookDisabledReason, 'admin'>): Promise<boolean> {
    const ctx: CommandContext = { actor: null, ipAddress: '', em };
    return this.commands.run(ctx, {
      name: 'webhook.disable',
      validate: () => id,
      authorize: (webhookId) => webhookId,
      work: async ({ em: tx, audit }, webhookId) => {
        const webhook = await tx.findOne(WebhookEndpoint, { id: webhookId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!webhook || !webhook.enabled) return false;
        webhook.enabled = false;
        webhook.disabledReason = reason;
        audit({ action: 'webhook.disabled', entityType: 'webhook', entityId: webhook.id, userId: null, newValues: { reason } });
        await appendToOutbox(tx, [{ type: 'webhook.disabled', subject: null, data: { webhookId: webhook.id, host: new URL(webhook.url).host, reason } }], { actorId: null });
        return true;
      },
    });
  }

  private authorize(ctx: RequestContext): void {
    if (!ctx.actor) throw UnauthenticatedError.required();
    if (!canOnUser(ctx.actor, 'manageWebhooks')) throw new ForbiddenError('Webhooks are for admins.');
  }

  /** The URL must be one this server may call (checked again at each delivery). */
  private checked<T extends { url?: string }>(input: T): T {
    if (input.url === undefined) return input;
    try {
      this.guard.checkUrl(input.url);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) throw new ValidationError([{ field: 'url', message: error.reason }]);
      throw error;
    }
    return input;
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<WebhookEndpoint> {
    const webhookId = assertUuid(id, 'webhook id');
    const webhook = await em.findOne(WebhookEndpoint, { id: webhookId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {});
    if (!webhook) throw new NotFoundError('Webhook not found.');
    return webhook;
  }
}
