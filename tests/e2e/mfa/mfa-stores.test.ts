import { randomBytes } from 'node:crypto';
import { createRedis } from '../../../src/platform/redis/redis.client';
import { OrmPasskeyCredentialStore } from '../../../src/mfa/passkeys/orm-passkey-credential.store';
import { RedisWebAuthnChallengeStore } from '../../../src/mfa/passkeys/webauthn-challenge.store';
import { describePasskeyStoreConformance, describeWebAuthnChallengeStoreConformance } from '../../support/passkey-store-conformance';
import { MfaChallengeService } from '../../../src/mfa/challenge/mfa-challenge.service';
import { RedisMfaChallengeStore } from '../../../src/mfa/challenge/redis-mfa-challenge.store';
import { describeMfaChallengeStoreConformance } from '../../support/mfa-challenge-store-conformance';
import { OrmRecoveryCodeStore } from '../../../src/mfa/recovery/orm-recovery-code.store';
import { OrmTotpReplayGuard } from '../../../src/mfa/totp/orm-totp-replay.guard';
import { RedisTotpReplayGuard } from '../../../src/mfa/totp/redis-totp-replay.guard';
import { describeRecoveryCodeStoreConformance } from '../../support/recovery-code-store-conformance';
import { describeTotpReplayGuardConformance, randomUserId } from '../../support/totp-replay-guard-conformance';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';
import { insertTotpRow, openMfaDatabase } from './mfa-database';

describeTotpReplayGuardConformance('PostgreSQL (mfa_totp.last_used_step)', async () => {
  const db = await openMfaDatabase('totp');
  return {
    // A fresh fork per claim, as each request has its own EntityManager.
    guard: { claim: (userId, step) => new OrmTotpReplayGuard(db.orm.em.fork()).claim(userId, step) },
    newUser: async () => {
      const id = await db.newUser();
      await insertTotpRow(db.orm, id);
      return id;
    },
    close: db.close,
  };
});

describeRecoveryCodeStoreConformance('PostgreSQL (mfa_recovery_codes)', async () => {
  const db = await openMfaDatabase('recovery');
  const store = {
    replace: (userId: string, hashes: Parameters<OrmRecoveryCodeStore['replace']>[1]) => new OrmRecoveryCodeStore(db.orm.em.fork()).replace(userId, hashes),
    consume: (userId: string, candidates: Parameters<OrmRecoveryCodeStore['consume']>[1]) => new OrmRecoveryCodeStore(db.orm.em.fork()).consume(userId, candidates),
    remaining: (userId: string) => new OrmRecoveryCodeStore(db.orm.em.fork()).remaining(userId),
    clear: (userId: string) => new OrmRecoveryCodeStore(db.orm.em.fork()).clear(userId),
  };
  return { store, newUser: db.newUser, close: db.close };
});

describeWithRedis('Redis-backed MFA stores', () => {
  describeTotpReplayGuardConformance('Redis', async () => {
    const prefix = `uma-test-mfa-${randomBytes(4).toString('hex')}:`;
    const redis = createRedis({ url: REDIS_URL }, prefix);
    await new Promise((resolve) => redis.once('ready', resolve));
    return {
      guard: new RedisTotpReplayGuard(redis),
      newUser: randomUserId,
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
        redis.disconnect();
      },
    };
  });
});

describe('the PostgreSQL TOTP guard and its row', () => {
  it('writes the step on the row, and claims nothing for a user without TOTP', async () => {
    const db = await openMfaDatabase('totprow');
    try {
      const user = await db.newUser();
      expect(await new OrmTotpReplayGuard(db.orm.em.fork()).claim(user, 5)).toBe(false);
      await insertTotpRow(db.orm, user);
      expect(await new OrmTotpReplayGuard(db.orm.em.fork()).claim(user, 5)).toBe(true);
      const [row] = await db.orm.em.getConnection().execute<{ last_used_step: string }[]>('select last_used_step from mfa_totp where user_id = ?', [user]);
      expect(row.last_used_step).toBe('5');
    } finally {
      await db.close();
    }
  });
});

describeWithRedis('Redis-backed MFA challenges', () => {
  describeMfaChallengeStoreConformance('Redis', async () => {
    const prefix = `uma-test-mfa-${randomBytes(4).toString('hex')}:`;
    const redis = createRedis({ url: REDIS_URL }, prefix);
    await new Promise((resolve) => redis.once('ready', resolve));
    return {
      store: new RedisMfaChallengeStore(redis),
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
        redis.disconnect();
      },
    };
  });

  it('keeps only the hash of the token in Redis, with the 5-minute expiry', async () => {
    const prefix = `uma-test-mfa-${randomBytes(4).toString('hex')}:`;
    const redis = createRedis({ url: REDIS_URL }, prefix);
    await new Promise((resolve) => redis.once('ready', resolve));
    try {
      const service = new MfaChallengeService(new RedisMfaChallengeStore(redis));
      const { mfaToken } = await service.issue({ userId: 'u1', methods: ['totp'], amr: ['pwd'], authTime: 1 });
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain(mfaToken);
      const ttl = await redis.pttl(keys[0].slice(prefix.length));
      expect(ttl).toBeGreaterThan(295_000);
      expect(ttl).toBeLessThanOrEqual(300_000);
      expect(JSON.stringify(await redis.hgetall(keys[0].slice(prefix.length)))).not.toContain(mfaToken);
      await service.revoke(mfaToken);
    } finally {
      redis.disconnect();
    }
  });
});

describePasskeyStoreConformance('PostgreSQL (webauthn_credentials)', async () => {
  const db = await openMfaDatabase('passkeys');
  return { store: new OrmPasskeyCredentialStore(db.orm.em.fork()), newUser: db.newUser, close: db.close };
});

describeWithRedis('Redis-backed WebAuthn challenges', () => {
  describeWebAuthnChallengeStoreConformance('Redis', async () => {
    const prefix = `uma-test-mfa-${randomBytes(4).toString('hex')}:`;
    const redis = createRedis({ url: REDIS_URL }, prefix);
    await new Promise((resolve) => redis.once('ready', resolve));
    return {
      store: new RedisWebAuthnChallengeStore(redis),
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
        redis.disconnect();
      },
    };
  });
});
