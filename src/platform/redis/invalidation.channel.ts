import type { RedisFailureReporter } from './redis-failure.reporter';
import type { RedisClient } from './redis.client';

/** What a near cache hears: one message per invalidated key, or "believe nothing you hold". */
export interface ChannelListener {
  message(payload: string): void;
  /** Messages may have been missed (the subscription dropped or is re-establishing). */
  resync(): void;
}

/**
 * One pub/sub channel carrying invalidations between instances, on the shared subscriber
 * connection. `listening` is true only while the subscription is confirmed, so a near cache can
 * refuse to serve from process memory during any window in which a message could be missed.
 */
export class InvalidationChannel {
  private subscribed = false;

  constructor(
    private readonly redis: RedisClient,
    /** A subscribed Redis connection can do nothing else, so it is shared by every channel. */
    private readonly subscriber: RedisClient,
    private readonly failures: RedisFailureReporter,
    readonly name: string,
  ) {}

  get listening(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  async publish(payload: string): Promise<void> {
    await this.redis.publish(this.name, payload);
  }

  /**
   * Subscribes on every (re)connection, not once: the subscriber may not be connected yet at start
   * (commands are not queued while offline, so that SUBSCRIBE would be lost for good), and after an
   * outage the messages sent meanwhile were missed, so the listener is told to resync.
   */
  async listen(listener: ChannelListener): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.name) listener.message(payload);
    });
    const dropped = () => {
      if (!this.subscribed) return;
      this.subscribed = false;
      listener.resync();
    };
    this.subscriber.on('close', dropped);
    this.subscriber.on('end', dropped);
    let connectedBefore = this.subscriber.status === 'ready';
    this.subscriber.on('ready', () => {
      if (connectedBefore) listener.resync();
      connectedBefore = true;
      void this.subscribe(listener);
    });
    if (this.subscriber.status === 'ready') await this.subscribe(listener);
  }

  private async subscribe(listener: ChannelListener): Promise<void> {
    const confirmed = await this.failures.attempt('cache-subscribe', () => this.subscriber.subscribe(this.name).then(() => true), false);
    if (!confirmed) return;
    // Whatever was held before the confirmation may have missed a message sent meanwhile.
    listener.resync();
    this.subscribed = true;
  }
}
