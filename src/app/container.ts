import type { ContainerType } from 'type-graphql';
import { UserCache } from '../cache/user.cache';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisConnections } from '../redis/redis.client';
import { AuditLogResolver } from '../resolvers/audit-log.resolver';
import { AuthResolver } from '../resolvers/auth.resolver';
import { UserResolver } from '../resolvers/user.resolver';
import { LoginThrottle } from '../security/login.throttle';
import { PasswordHasher } from '../security/password.hasher';
import { TokenService } from '../security/token.service';
import { AuditQueryService } from '../services/audit-query.service';
import { AuditStreamPublisher } from '../services/audit-stream.publisher';
import { AuditService } from '../services/audit.service';
import { AuthService } from '../services/auth.service';
import { PasswordService } from '../services/password.service';
import { SessionService } from '../services/session.service';
import { UserService } from '../services/user.service';
import { ReplicaRouter, replicaUrlsOf } from '../db/replica.router';
import { WriterStickiness } from '../db/writer.stickiness';
import { createStateStores } from './state-stores';
import type { CacheEpoch } from '../revocation/cache-epoch';
import type { RedisTrust } from '../revocation/redis-trust';
import type { RevocationEpoch } from '../revocation/revocation-epoch';

export interface Services {
  hasher: PasswordHasher;
  tokens: TokenService;
  audit: AuditService;
  auditQueries: AuditQueryService;
  auditStream: AuditStreamPublisher;
  users: UserService;
  auth: AuthService;
  sessions: SessionService;
  passwords: PasswordService;
  userCache: UserCache;
  rateLimits: RateLimitService;
  failures: RedisFailureReporter;
  /** Registered on the ORM's events when replicas are configured (marks writers for read-your-writes). */
  writerStickiness: WriterStickiness;
  replicaReads: ReplicaRouter;
  /** The revocation epoch as the caches see it (its tag is part of every cached session and user key). */
  cacheEpoch: CacheEpoch;
}

/** Wires every service once per process; requests share them and bring their own context. */
export interface Infrastructure {
  /** Null without Redis: every shared store is then kept in this process (one instance only). */
  redis: RedisConnections | null;
  logger: Logger;
  /** The revocation epoch and, with Redis, whether Redis may be believed (see src/revocation). */
  revocation: { epoch: RevocationEpoch; trust: RedisTrust | null };
}

export function createServices(config: Config, { redis, logger, revocation }: Infrastructure): Services {
  const failures = new RedisFailureReporter(logger);
  const hasher = new PasswordHasher(config.argon2);
  const tokens = new TokenService(config.jwt);
  const audit = new AuditService();
  const { epoch, trust } = revocation;
  const cacheEpoch: CacheEpoch = {
    tag: () => (trust === null || trust.trusted() ? epoch.tag() : null),
    lost: async (reason) => {
      try {
        await epoch.bump(reason);
      } catch (error) {
        // PostgreSQL is down too: the change that needed this could not have committed either.
        failures.report('revocation-epoch', error);
      }
    },
  };
  const { rateLimiter, sessionCache, loginAttempts, userCacheTier } = createStateStores(config, redis, failures, cacheEpoch, (listener) => epoch.onChange(listener));
  const userCache = new UserCache(userCacheTier, failures, config.cache, cacheEpoch);
  epoch.onChange(() => userCache.resync());
  const rateLimits = new RateLimitService(rateLimiter, config.rateLimit.limits, config.rateLimit.enabled);
  const writerStickiness = new WriterStickiness(redis?.redis ?? null, failures, config.readReplicas.stickySeconds);
  const replicaReads = new ReplicaRouter(replicaUrlsOf(config).length > 0, writerStickiness, logger);
  const users = new UserService({ signupEnabled: config.signupEnabled, requireVersionPrecondition: config.requireVersionPrecondition }, hasher, audit, userCache, sessionCache, replicaReads);
  const loginThrottle = new LoginThrottle(loginAttempts, config.loginThrottle, failures);
  const auth = new AuthService(hasher, tokens, sessionCache, loginThrottle, audit, userCache);
  const sessions = new SessionService(users, audit, sessionCache);
  const passwords = new PasswordService(users, hasher, audit, userCache, sessionCache, loginThrottle);
  const auditQueries = new AuditQueryService(replicaReads);
  const auditStream = new AuditStreamPublisher(redis?.redis ?? null, failures);
  return { hasher, tokens, audit, auditQueries, auditStream, users, auth, sessions, passwords, userCache, rateLimits, failures, writerStickiness, replicaReads, cacheEpoch };
}

/** Hands type-graphql resolver instances that already hold their services. */
export function resolverContainer(services: Services): ContainerType {
  const instances = new Map<Function, object>([
    [UserResolver, new UserResolver(services.users, services.sessions, services.auditQueries)],
    [AuthResolver, new AuthResolver(services.auth, services.sessions, services.passwords)],
    [AuditLogResolver, new AuditLogResolver(services.auditQueries)],
  ]);
  return {
    get(resolverClass: Function) {
      const instance = instances.get(resolverClass);
      if (!instance) throw new Error(`No resolver instance for ${resolverClass.name}`);
      return instance;
    },
  };
}

