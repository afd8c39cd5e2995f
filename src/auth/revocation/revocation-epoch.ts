import { Client } from 'pg';
import type { Logger } from '../../platform/observability/logger';

/** The NOTIFY channel; the payload is the new epoch. */
export const EPOCH_CHANNEL = 'uma_revocation_epoch';

const READ = 'select "epoch"::text as "epoch" from "revocation_epoch" where "id" = 1';
const BUMP = `with bumped as (update "revocation_epoch" set "epoch" = "epoch" + 1, "updated_at" = now() where "id" = 1 returning "epoch")
  select "epoch"::text as "epoch", pg_notify('${EPOCH_CHANNEL}', "epoch"::text) from bumped`;
const NOTE_RUN_ID = `with bumped as (update "revocation_epoch" set "epoch" = "epoch" + 1, "redis_run_id" = ?, "updated_at" = now()
  where "id" = 1 and "redis_run_id" is distinct from ? returning "epoch")
  select "epoch"::text as "epoch", pg_notify('${EPOCH_CHANNEL}', "epoch"::text) from bumped`;

/** Runs one statement on the application's pool (outside any request's transaction). */
export type EpochSql = (sql: string, params?: unknown[]) => Promise<{ epoch: string }[]>;

export interface RevocationEpochSettings {
  /** The database, for the LISTEN connection of its own (a pooled connection cannot keep listening). */
  databaseUrl: string;
  /** Backstop for a lost notification (a proxy that drops LISTEN, a reconnect in between). */
  pollSeconds: number;
}

/**
 * PostgreSQL is the truth for revocation; Redis and the in-process caches only remember. The
 * epoch is a number in PostgreSQL that is part of every cached token, session and user key: bumped,
 * it orphans everything cached before, on every instance. It is bumped when a revocation or an
 * invalidation could not reach Redis, and when Redis comes back from a disconnect or as another
 * process (run_id): what it restored from RDB/AOF may predate revocations that did reach it.
 *
 * Every instance learns a bump by LISTEN/NOTIFY on a dedicated connection, re-reads the epoch
 * whenever that connection is (re)established, and polls it as a backstop. Until the epoch is
 * known (`tag()` is null) the caches are bypassed.
 */
export class RevocationEpoch {
  private epoch: bigint | null = null;
  private listener: Client | null = null;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    private readonly sql: EpochSql,
    private readonly settings: RevocationEpochSettings,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    await this.listen();
    this.pollTimer = setInterval(() => void this.refresh().catch(() => undefined), this.settings.pollSeconds * 1000);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  /** The part of cache keys that names the epoch, or null while it is not known: then bypass the caches. */
  tag(): string | null {
    return this.epoch === null ? null : `e${this.epoch}`;
  }

  /** Called after the epoch moved (here or on another instance): in-process caches drop everything. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Orphans every cached token, session and user, on every instance, before the caller answers. */
  async bump(reason: string): Promise<void> {
    const [row] = await this.sql(BUMP);
    this.logger.warn({ reason, epoch: row?.epoch }, 'Revocation epoch bumped: cached sessions and users are no longer believed');
    if (row) this.advance(BigInt(row.epoch));
  }

  /** Bumps the epoch if the caches were last written to another Redis process than `runId`. */
  async noteRedisRunId(runId: string): Promise<void> {
    const [row] = await this.sql(NOTE_RUN_ID, [runId, runId]);
    if (row) {
      this.logger.warn({ epoch: row.epoch }, 'Redis is another process than the caches were written to: revocation epoch bumped');
      this.advance(BigInt(row.epoch));
    }
  }

  /** Re-reads the epoch from PostgreSQL. */
  async refresh(): Promise<void> {
    const [row] = await this.sql(READ);
    if (row) this.advance(BigInt(row.epoch));
  }

  /** The epoch only moves forward: a late notification or a slow poll cannot bring an old one back. */
  private advance(epoch: bigint): void {
    if (this.epoch !== null && epoch <= this.epoch) return;
    const changed = this.epoch !== null;
    this.epoch = epoch;
    if (changed) for (const listener of this.changeListeners) listener();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.settings.databaseUrl, connectionTimeoutMillis: 5000 });
    const retry = () => {
      if (this.stopped || this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      this.reconnectTimer = setTimeout(() => void this.listen(), 1000);
      this.reconnectTimer.unref();
    };
    this.listener = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => {
      if (message.channel === EPOCH_CHANNEL && message.payload && /^\d+$/.test(message.payload)) this.advance(BigInt(message.payload));
    });
    try {
      await client.connect();
      await client.query(`listen ${EPOCH_CHANNEL}`);
      // Bumps made while no connection listened were missed: read the truth once listening.
      await this.refresh();
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not listen for revocation epoch changes; retrying (polling meanwhile)');
      retry();
    }
  }
}
