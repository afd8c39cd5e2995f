import type { RedisClient } from '../../platform/redis/redis.client';
import { replayMemorySeconds, type TotpReplayGuard } from './totp-replay.guard';

/** Compare-and-set in one script, so two instances cannot both accept the same code. One key per user (Cluster-safe). */
const CLAIM_SCRIPT = `
local last = redis.call('GET', KEYS[1])
if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

type ClaimRedis = RedisClient & { mfaTotpClaim(key: string, step: number, ttlMs: number): Promise<number> };

/** Shared by every instance; the key expires once the step could not be accepted anyway. */
export class RedisTotpReplayGuard implements TotpReplayGuard {
  private readonly redis: ClaimRedis;

  constructor(
    redis: RedisClient,
    private readonly periodSeconds = 30,
  ) {
    if (!('mfaTotpClaim' in redis)) redis.defineCommand('mfaTotpClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    this.redis = redis as ClaimRedis;
  }

  async claim(userId: string, step: number): Promise<boolean> {
    return (await this.redis.mfaTotpClaim(`mfa:totp-step:${userId}`, step, replayMemorySeconds(this.periodSeconds) * 1000)) === 1;
  }
}
