import type { Sql, SqlPool } from '../platform/db/sql.pool';
import { PollingLoop } from '../platform/polling.loop';

/** An outbox event as the fan-out sees it. */
export interface OutboxEventRef {
  id: string;
  type: string;
  subject: string | null;
  sequence: number | null;
}

/** Turns events into deliveries for the endpoints subscribed to them, in the relay's transaction (src/webhooks). */
export interface FanOutPort {
  /** Returns how many deliveries it created. */
  fanOut(sql: Sql, events: readonly OutboxEventRef[]): Promise<number>;
}

/** One audit row for the stream: its id is the dedupe key. */
export interface StreamEntry {
  id: string;
  data: Record<string, unknown>;
}

/** Publishes to the Redis stream; throws when it could not, so the rows are tried again. */
export interface StreamPort {
  publish(entries: readonly StreamEntry[]): Promise<void>;
}

export interface OutboxRelayOptions {
  pollMs?: number;
  /** How long a commit's wake waits for others before the pass (see PollingLoop); 0 relays at once. */
  lingerMs?: number;
  batchSize?: number;
  /** Delivered rows older than this are deleted (the delivery loop then purges their webhook deliveries). */
  retentionDays?: number;
  /** Told after a fan-out created deliveries (the local delivery worker may start on them now). */
  fannedOut?: () => void;
  reportFailure?: (stage: 'fan-out' | 'stream' | 'purge', error: unknown) => void;
}

const PURGE_EVERY_MS = 10 * 60 * 1000;
/** A claim of stream rows expires after this: an instance that died while publishing leaves them to another. */
const STREAM_LEASE = '30 seconds';
/** Redis refused: the rows are tried again after this (the stream catches up once Redis is back). */
const STREAM_RETRY = '2 seconds';

/**
 * Delivers the outbox: fans each event out to the webhooks subscribed to it, and publishes audit rows
 * to the Redis stream. Every instance runs one. The fan-out is done by one instance at a time (a
 * transaction-scoped advisory lock), in outbox order, so one user's events become deliveries in the
 * order they committed; the stream's rows are claimed with SKIP LOCKED and a lease. Both are
 * at-least-once: a crash after the work and before the row is marked repeats the work, which the
 * fan-out's unique (endpoint, event) and the stream's entry id make harmless to a consumer.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;
  private readonly batchSize: number;
  private lastPurge = 0;

  constructor(
    private readonly pool: SqlPool,
    private readonly fanOutPort: FanOutPort | null,
    private readonly stream: StreamPort | null,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.loop = new PollingLoop(() => this.pass(), options.pollMs ?? 1000, (error) => options.reportFailure?.('fan-out', error), options.lingerMs ?? 0);
  }

  start(): void {
    this.loop.start();
  }

  /** A write committed events in this process: relay them now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One round of everything; true while a full batch suggests more is waiting. */
  async pass(): Promise<boolean> {
    const fanned = await this.fanOut();
    let streamed = 0;
    if (this.stream) {
      try {
        streamed = await this.publish();
      } catch (error) {
        this.options.reportFailure?.('stream', error);
      }
    }
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.purge().catch((error) => this.options.reportFailure?.('purge', error));
    }
    return fanned === this.batchSize || streamed === this.batchSize;
  }

  /** Returns how many events it fanned out (0 when another instance holds the fan-out). */
  async fanOut(): Promise<number> {
    let created = 0;
    const count = await this.pool.transaction(async (sql) => {
      const [{ locked }] = await sql.query<{ locked: boolean }>(`select pg_try_advisory_xact_lock(hashtextextended('event_outbox.fan-out', 0)) as "locked"`);
      if (!locked) return 0;
      const rows = await sql.query<{ id: string; type: string; subject: string | null; sequence: string | null }>(
        `select "id", "type", "subject", "sequence" from "event_outbox" where "fanout_pending" order by "position" limit $1`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const events = rows.map((row) => ({ ...row, sequence: row.sequence === null ? null : Number(row.sequence) }));
      created = this.fanOutPort ? await this.fanOutPort.fanOut(sql, events) : 0;
      await sql.query(`update "event_outbox" set "fanout_pending" = false where "id" = any($1::uuid[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
    if (created > 0) this.options.fannedOut?.();
    return count;
  }

  /** Returns how many audit rows it published to the stream. */
  async publish(): Promise<number> {
    const claimed = await this.pool.query<{ id: string; position: string; data: Record<string, unknown> }>(
      `update "event_outbox" set "stream_retry_at" = now() + interval '${STREAM_LEASE}'
        where "id" in (select "id" from "event_outbox"
                        where "stream_pending" and ("stream_retry_at" is null or "stream_retry_at" <= now())
                        order by "position" limit $1 for update skip locked)
        returning "id", "position", "data"`,
      [this.batchSize],
    );
    if (claimed.length === 0) return 0;
    const ordered = claimed.sort((a, b) => Number(a.position) - Number(b.position));
    const ids = ordered.map((row) => row.id);
    try {
      await this.stream!.publish(ordered.map(({ id, data }) => ({ id, data })));
    } catch (error) {
      await this.pool.query(`update "event_outbox" set "stream_retry_at" = now() + interval '${STREAM_RETRY}' where "id" = any($1::uuid[])`, [ids]);
      throw error;
    }
    await this.pool.query(`update "event_outbox" set "stream_pending" = false, "stream_retry_at" = null where "id" = any($1::uuid[])`, [ids]);
    return ordered.length;
  }

  /** Deletes what was delivered long ago, a batch at a time (deliveries go with their event). */
  async purge(): Promise<number> {
    const days = this.options.retentionDays ?? 14;
    let total = 0;
    for (;;) {
      const deleted = await this.pool.query(
        `delete from "event_outbox" where "id" in (select "id" from "event_outbox" where "occurred_at" < now() - make_interval(days => $1) and not "fanout_pending" limit 5000) returning 1`,
        [days],
      );
      total += deleted.length;
      if (deleted.length < 5000) return total;
    }
  }
}
