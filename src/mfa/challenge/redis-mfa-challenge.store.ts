import type { RedisClient } from '../../platform/redis/redis.client';
import type { MfaChallenge, MfaChallengeStore } from './mfa-challenge.store';

/** Counts the attempt and hands the challenge out in one step; past the limit the key goes. */
const TAKE_ATTEMPT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return nil
end
return {redis.call('HGET', KEYS[1], 'c'), n}
`;

type AttemptRedis = RedisClient & { mfaTakeAttempt(key: string, maxAttempts: number): Promise<[string, number] | null> };

/** One hash per challenge ({ c: JSON, n: attempts }) that expires by itself; one key each, so Cluster-safe. */
export class RedisMfaChallengeStore implements MfaChallengeStore {
  private readonly redis: AttemptRedis;

  constructor(redis: RedisClient) {
    if (!('mfaTakeAttempt' in redis)) redis.defineCommand('mfaTakeAttempt', { numberOfKeys: 1, lua: TAKE_ATTEMPT_SCRIPT });
    this.redis = redis as AttemptRedis;
  }

  async save(key: string, challenge: MfaChallenge, ttlMs: number): Promise<void> {
    await this.redis.multi().hset(redisKey(key), 'c', JSON.stringify(challenge), 'n', '0').pexpire(redisKey(key), ttlMs).exec();
  }

  async takeAttempt(key: string, maxAttempts: number): Promise<{ challenge: MfaChallenge; attempt: number } | null> {
    const found = await this.redis.mfaTakeAttempt(redisKey(key), maxAttempts);
    if (!found) return null;
    return { challenge: JSON.parse(found[0]) as MfaChallenge, attempt: Number(found[1]) };
  }

  async consume(key: string): Promise<boolean> {
    return (await this.redis.del(redisKey(key))) === 1;
  }

  async peek(key: string): Promise<MfaChallenge | null> {
    const found = await this.redis.hget(redisKey(key), 'c');
    return found === null ? null : (JSON.parse(found) as MfaChallenge);
  }
}

function redisKey(key: string): string {
  return `mfa:challenge:${key}`;
}
