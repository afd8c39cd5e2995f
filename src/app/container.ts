import type Redis from 'ioredis';
import type { ContainerType } from 'type-graphql';
import { SessionCache } from '../cache/session.cache';
import { UserCache } from '../cache/user.cache';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { SlidingWindowLimiter } from '../rate-limit/sliding-window.limiter';
import { RedisFailureReporter } from '../redis/redis-failure.reporter';
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
}

/** Wires every service once per process; requests share them and bring their own context. */
export interface Infrastructure {
  redis: Redis;
  /** A second connection: a subscribed Redis connection can do nothing else. */
  subscriber: Redis;
  logger: Logger;
}

export function createServices(config: Config, { redis, subscriber, logger }: Infrastructure): Services {
  const failures = new RedisFailureReporter(logger);
  const hasher = new PasswordHasher(config.argon2);
  const tokens = new TokenService(config.jwt);
  const audit = new AuditService();
  const userCache = new UserCache(redis, subscriber, failures, { ...config.cache, channelPrefix: config.redisKeyPrefix });
  const rateLimits = new RateLimitService(new SlidingWindowLimiter(redis, failures, config.rateLimit.failClosed), config.rateLimit.limits, config.rateLimit.enabled);
  const sessionCache = new SessionCache(redis, failures, config.cache.sessionTtlSeconds);
  const users = new UserService({ signupEnabled: config.signupEnabled }, hasher, audit, userCache, sessionCache);
  const auth = new AuthService(hasher, tokens, sessionCache, new LoginThrottle(redis, config.loginThrottle, failures), audit, userCache);
  const sessions = new SessionService(users, audit, sessionCache);
  const passwords = new PasswordService(users, hasher, audit, userCache, sessionCache);
  const auditQueries = new AuditQueryService();
  const auditStream = new AuditStreamPublisher(redis, failures);
  return { hasher, tokens, audit, auditQueries, auditStream, users, auth, sessions, passwords, userCache, rateLimits, failures };
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

