import type { ConnectionType, EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import { isConnectionFailure, withOrmErrors } from '../errors/orm-error.translator';
import type { Logger } from '../observability/logger';
import { replicaName } from './orm.config';
import type { WriterStickiness } from './writer.stickiness';

/** How long reads stay off the replicas after one failed to answer, so an outage costs one try, not one per request. */
const REPLICA_BACKOFF_MS = 5000;

/** PostgreSQL cancels a standby's query that conflicts with WAL replay; the primary has no such conflict. */
const RECOVERY_CONFLICT = /conflict with recovery/i;

export type ReadTarget = 'replica' | 'primary' | 'replica_fallback';

export interface RoutedRead<T> {
  value: T;
  /** True when a replica answered: the value may lag the primary and must not be cached as current. */
  fromReplica: boolean;
}

/**
 * Decides which reads a lagging replica may serve. The ORM sends every read to the primary
 * (`preferReadReplicas: false`); only reads run through `read()` may go to a replica, and those
 * are chosen one by one (Django-router style): lists, search and the audit trail, whose readers
 * accept a view a moment old. Everything else stays on the primary because staleness there is a
 * security or correctness bug:
 * - authentication (session and user of a token), login (user and password hash), refresh
 *   rotation, the actor's and the target's rows checked by policies: a replica would accept a
 *   revoked session, an old password or a deactivated user;
 * - everything in a transaction (MikroORM pins those to the primary);
 * - cache fills (a user cached for CACHE_USER_TTL_SECONDS from a stale row would outlive the
 *   invalidation that just ran).
 * Read-your-writes: a user whose change committed in the last DATABASE_READ_STICKY_SECONDS reads
 * from the primary (WriterStickiness). A replica that fails to answer is skipped for a few seconds
 * and the read is served by the primary, so a replica outage costs capacity, not availability.
 */
export class ReplicaRouter {
  /** Reads run through the router, by where they were served; for the metrics endpoint. */
  readonly counts = new Map<ReadTarget, number>();
  private replicasDownUntil = 0;

  constructor(
    private readonly hasReplicas: boolean,
    private readonly stickiness: WriterStickiness,
    private readonly logger: Logger,
  ) {}

  /**
   * Database errors leave as domain errors (ServiceUnavailableError, ...), translated here once for
   * every routed read, after a failing replica has had its fallback to the primary.
   */
  read<T>(ctx: ReadContext, work: (em: EntityManager, connectionType: ConnectionType) => Promise<T>): Promise<RoutedRead<T>> {
    return withOrmErrors(() => this.route(ctx, work));
  }

  private async route<T>(ctx: ReadContext, work: (em: EntityManager, connectionType: ConnectionType) => Promise<T>): Promise<RoutedRead<T>> {
    if (!(await this.replicaAllowed(ctx))) {
      this.count('primary');
      return { value: await work(ctx.em, 'write'), fromReplica: false };
    }
    try {
      // A fork of its own: rows from a replica must not enter the request's identity map, where a
      // later primary read of the same row would be handed the stale copy instead.
      const value = await work(ctx.em.fork(), 'read');
      this.count('replica');
      return { value, fromReplica: true };
    } catch (error) {
      if (!isReplicaFailure(error)) throw error;
      this.replicasDownUntil = Date.now() + REPLICA_BACKOFF_MS;
      this.logger.warn({ err: { message: error instanceof Error ? error.message : String(error) }, backoffMs: REPLICA_BACKOFF_MS }, 'Read replica failed; reading from the primary');
      this.count('replica_fallback');
      return { value: await work(ctx.em, 'write'), fromReplica: false };
    }
  }

  private async replicaAllowed(ctx: Pick<ReadContext, 'actor'>): Promise<boolean> {
    if (!this.hasReplicas || Date.now() < this.replicasDownUntil) return false;
    return !(ctx.actor && (await this.stickiness.mustReadPrimary(ctx.actor.id)));
  }

  private count(target: ReadTarget): void {
    this.counts.set(target, (this.counts.get(target) ?? 0) + 1);
  }
}

/** The part of a request's context a routed read needs (the request context satisfies it). */
export interface ReadContext {
  em: EntityManager;
  actor: { id: string } | null;
}

function isReplicaFailure(error: unknown): boolean {
  return isConnectionFailure(error) || (error instanceof Error && RECOVERY_CONFLICT.test(error.message));
}

/** Replicas only stand beside an external primary; without DATABASE_URL there are none. */
export function replicaUrlsOf(config: Pick<Config, 'databaseUrl' | 'readReplicas'>): string[] {
  return config.databaseUrl ? config.readReplicas.urls : [];
}

/**
 * One probe per replica for /ready. MikroORM keeps its replica connections on the driver without a
 * public accessor (getConnection('read') picks one at random), hence the cast.
 */
export function replicaProbes(orm: MikroORM): Record<string, () => Promise<unknown>> {
  const replicas = (orm.em.getDriver() as unknown as { replicas?: { execute(sql: string): Promise<unknown> }[] }).replicas ?? [];
  return Object.fromEntries(replicas.map((replica, index) => [`postgres:${replicaName(index)}`, () => replica.execute('select 1')]));
}
