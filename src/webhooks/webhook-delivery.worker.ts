import { PollingLoop } from '../platform/polling.loop';
import type { ClaimedDelivery, WebhookDeliveryStore } from './webhook-delivery.store';
import type { SendOutcome, WebhookSender } from './webhook.sender';
import type { WebhookSigner } from './webhook.signer';
import { type WebhookTargetGuard, WebhookTargetRefused } from './webhook-target.guard';

export interface DeliveryLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface DeliveryWorkerOptions {
  /** The waits before each retry (WEBHOOK_RETRY_SCHEDULE); each gets ±20% jitter. */
  retryScheduleMs: readonly number[];
  /** One attempt's budget (WEBHOOK_TIMEOUT_SECONDS): the lease outlasts it. */
  timeoutMs: number;
  /** Deliveries sent at once by this instance. */
  concurrency?: number;
  pollMs?: number;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterMs?: number;
  /** Disables an endpoint through the service (audited, told as webhook.disabled). */
  disable(endpointId: string, reason: 'gone' | 'failing'): Promise<void>;
  logger: DeliveryLogger;
  /** A number in [0, 1): Math.random, or a fixed one in tests. */
  random?: () => number;
}

const PURGE_EVERY_MS = 10 * 60 * 1000;
const LEASE_CHECK_EVERY_MS = 5000;
const DEFAULT_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;

/** The wait before retry number `retry` (0 for the first), jittered ±20% so a failing receiver's retries do not arrive in waves; null when none is left. */
export function retryDelayMs(schedule: readonly number[], retry: number, random: () => number = Math.random): number | null {
  if (retry >= schedule.length) return null;
  return Math.round(schedule[retry] * (0.8 + 0.4 * random()));
}

/**
 * Sends webhook deliveries, in every instance: claims due ones (webhook-delivery.store.ts), checks
 * the target again (SSRF, at delivery time), signs (Standard Webhooks: the event id as webhook-id,
 * the same on every retry), POSTs, and records the outcome. A non-2xx answer, a timeout or a network
 * error is retried on the schedule; 410 Gone disables the endpoint at once; an endpoint failing for
 * days is disabled too. One user's later events to an endpoint wait for the earlier one.
 */
export class WebhookDeliveryWorker {
  private readonly loop: PollingLoop;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private lastLeaseCheck = 0;
  private lastPurge = Date.now();

  constructor(
    private readonly store: WebhookDeliveryStore,
    private readonly guard: WebhookTargetGuard,
    private readonly signer: WebhookSigner,
    private readonly sender: WebhookSender,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.loop = new PollingLoop(() => this.pass(), options.pollMs ?? 1000, (error) => options.logger.warn({ err: error }, 'webhook delivery pass failed; it will try again'));
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming; attempts in flight finish (each is bounded by the timeout). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  async pass(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastLeaseCheck > LEASE_CHECK_EVERY_MS) {
      this.lastLeaseCheck = now;
      await this.store.releaseExpiredLeases();
    }
    if (now - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.store.purgeOrphans();
    }
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return false;
    // The lease outlasts an attempt (its timeout) and the recording of its outcome, with room to spare.
    const claimed = await this.store.claim(free, Math.ceil(this.options.timeoutMs / 1000) + 15);
    for (const delivery of claimed) {
      const attempt: Promise<void> = this.deliver(delivery)
        .catch((error) => this.options.logger.warn({ deliveryId: delivery.id, err: error }, 'could not record a webhook delivery attempt; its lease will return it'))
        .finally(() => {
          this.inFlight.delete(attempt);
          // A slot is free, and the delivery may have unblocked the same user's next event.
          this.loop.wake();
        });
      this.inFlight.add(attempt);
    }
    return claimed.length === free;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    const record = { statusCode: outcome.statusCode, latencyMs: outcome.latencyMs, error: outcome.error };
    const where = { webhookId: delivery.endpoint.id, deliveryId: delivery.id, eventId: delivery.event.id, attempt: delivery.attempts };
    if (outcome.ok) {
      await this.store.succeeded(delivery, record);
      return;
    }
    const gone = outcome.statusCode === 410;
    const retryIn = gone ? null : retryDelayMs(this.options.retryScheduleMs, delivery.retries, this.options.random);
    const failingSince = await this.store.failed(delivery, record, retryIn);
    this.options.logger.warn({ ...where, statusCode: outcome.statusCode, error: outcome.error, retryInMs: retryIn }, retryIn === null ? 'webhook delivery failed for good' : 'webhook delivery failed; it will be retried');
    if (retryIn !== null) this.loop.wakeAt(Date.now() + retryIn);
    if (gone) await this.options.disable(delivery.endpoint.id, 'gone');
    else if (Date.now() - failingSince.getTime() >= (this.options.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS)) await this.options.disable(delivery.endpoint.id, 'failing');
  }

  private async attempt(delivery: ClaimedDelivery): Promise<SendOutcome> {
    let target;
    try {
      target = await this.guard.target(delivery.endpoint.url);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) return { ok: false, statusCode: null, latencyMs: 0, error: `refused: ${error.reason}` };
      throw error;
    }
    const { event } = delivery;
    const body = JSON.stringify({
      type: event.type,
      timestamp: new Date(event.occurredAt).toISOString(),
      data: { id: event.id, subject: event.subject, sequence: event.sequence, actor: event.actor, ...event.data },
    });
    const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    let signature: string;
    try {
      signature = this.signer.signature(delivery.endpoint, event.id, signedAt, body);
    } catch (error) {
      // A key missing from MFA_ENCRYPTION_KEY: a failed attempt like any other, retried once the key is back.
      return { ok: false, statusCode: null, latencyMs: 0, error: `could not sign: ${(error as Error).message}` };
    }
    const headers = { 'webhook-id': event.id, 'webhook-timestamp': String(signedAt.getTime() / 1000), 'webhook-signature': signature };
    return this.sender.send(target.url, target.address, headers, body);
  }
}
