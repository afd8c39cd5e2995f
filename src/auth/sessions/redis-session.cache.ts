import type { CacheEpoch } from '../revocation/cache-epoch';
import type { RedisFailureReporter } from '../../platform/redis/redis-failure.reporter';
import type { RedisClient } from '../../platform/redis/redis.client';
import {
  type CachedSession,
  fillIsFresh,
  revocationTtlSeconds,
  SESSION_GENERATION_TTL_SECONDS,
  type SessionCache,
  type SessionFill,
  sessionTtlSeconds,
  type TokenState,
} from './session.cache';

/** SET the session's entry only while its generation is still the one read before loading it. */
const FILL_IF_GENERATION_SCRIPT = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
`;

type FillingRedis = RedisClient & {
  fillSessionIfGeneration(sessionKey: string, generationKey: string, value: string, ttlSeconds: number, generation: string): Promise<number>;
};

/**
 * The session cache in Redis. Both keys of a token carry its session id as a hash tag, so on a
 * Redis Cluster they live in one slot and the per-request lookup stays a single command.
 * While Redis is unreachable lookups fail open (reported) and sessions are read from PostgreSQL,
 * where a revoked session no longer exists. Session entries carry the revocation epoch in their
 * key: an entry written before a revocation that could not reach Redis (or restored by Redis from
 * an older RDB/AOF) is under an older epoch and never read again. The blacklist needs no epoch:
 * it only ever refuses, and a revoked token stays revoked.
 *
 * Forgetting a session deletes its entry and bumps its generation (a tombstone, same hash tag) in
 * one MULTI; a fill is a compare-and-set on that generation (Lua), so a session read from
 * PostgreSQL just before a logout cannot be cached again just after it.
 */
export class RedisSessionCache implements SessionCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly failures: RedisFailureReporter,
    private readonly maxTtlSeconds: number,
    private readonly epoch: CacheEpoch,
  ) {
    if (!('fillSessionIfGeneration' in redis)) redis.defineCommand('fillSessionIfGeneration', { numberOfKeys: 2, lua: FILL_IF_GENERATION_SCRIPT });
  }

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const epoch = this.epoch.tag();
    if (epoch === null) {
      const revoked = await this.failures.attempt('session-cache', () => this.redis.get(revokedKey(tokenId, sessionId)), null);
      return { revoked: revoked !== null, session: null, fill: null };
    }
    // One MGET rather than a pipeline: a single command joins the auto-pipeline of other requests.
    const readAt = performance.now();
    const values = await this.failures.attempt('session-cache', () => this.redis.mget(revokedKey(tokenId, sessionId), sessionKey(sessionId, epoch), sessionGenerationKey(sessionId)), null);
    if (!values) return { revoked: false, session: null, fill: null };
    const [revoked, session, generation] = values;
    return { revoked: revoked !== null, session: session !== null ? (JSON.parse(session) as CachedSession) : null, fill: { epoch, generation: generation ?? '0', readAt } };
  }

  /**
   * Under the epoch of the lookup that missed (if the epoch moved since, nothing is stored), and only
   * while the session's generation is the one that lookup read (no forget in between).
   */
  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, fill: SessionFill | null): Promise<void> {
    const ttlSeconds = sessionTtlSeconds(session, tokenExpiresAt, this.maxTtlSeconds);
    if (ttlSeconds <= 0 || fill === null || fill.epoch !== this.epoch.tag() || !fillIsFresh(fill)) return;
    await this.failures.attempt(
      'session-cache',
      () => (this.redis as FillingRedis).fillSessionIfGeneration(sessionKey(sessionId, fill.epoch), sessionGenerationKey(sessionId), JSON.stringify(session), ttlSeconds, fill.generation),
      null,
    );
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    const epoch = this.epoch.tag();
    // One MULTI per session (its keys share a slot); not one for all: on a cluster sessions live in different slots.
    const forgotten = await Promise.all(sessionIds.map((id) => (epoch === null ? false : this.failures.attempt('session-cache', () => this.forgetOne(id, epoch), false))));
    if (forgotten.includes(false)) await this.epoch.lost('a session could not be forgotten in Redis');
  }

  private async forgetOne(sessionId: string, epoch: string): Promise<boolean> {
    const generation = sessionGenerationKey(sessionId);
    const results = await this.redis.multi().del(sessionKey(sessionId, epoch)).incr(generation).expire(generation, SESSION_GENERATION_TTL_SECONDS).exec();
    // A MULTI resolves even when a command inside failed: that is a failure to forget.
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the MULTI forgetting a session was discarded');
    return true;
  }

  async revokeToken(tokenId: string, sessionId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = revocationTtlSeconds(expiresAt);
    if (ttlSeconds <= 0) return;
    const stored = await this.failures.attempt('token-blacklist', () => this.redis.set(revokedKey(tokenId, sessionId), '1', 'EX', ttlSeconds).then(() => true), false);
    if (!stored) await this.epoch.lost('a revoked token could not be blacklisted in Redis');
  }
}

function revokedKey(tokenId: string, sessionId: string): string {
  return `blacklist:{${sessionId}}:${tokenId}`;
}

/** The session id is the hash tag: the entry shares a Redis Cluster slot with the token's blacklist key. */
export function sessionKey(sessionId: string, epoch: string): string {
  return `session:{${sessionId}}:${epoch}`;
}

/** The session's invalidation generation (its tombstone once forgotten), in the session's slot. */
export function sessionGenerationKey(sessionId: string): string {
  return `session:{${sessionId}}:generation`;
}
