import type { ContainerType } from 'type-graphql';
import { UserCache } from '../users/cache/user.cache';
import type { Config } from '../platform/config/config';
import type { Logger } from '../platform/observability/logger';
import { RateLimitService } from '../platform/rate-limit/rate-limit.service';
import { RedisFailureReporter } from '../platform/redis/redis-failure.reporter';
import type { RedisConnections } from '../platform/redis/redis.client';
import { AccountEmailResolver, AuditLogResolver, DeadLetterResolver, AuthResolver, MfaResolver, PasskeyResolver, UserResolver, WebhookResolver } from '../resolvers';
import { LoginThrottle } from '../auth/throttle/login.throttle';
import { PasswordHasher } from '../auth/passwords/password.hasher';
import { TokenService } from '../auth/tokens/token.service';
import { AuditQueryService, AuditService, AuditStreamPublisher, AuthService, DeadLetterService, EmailChangeService, EmailVerificationService, MfaAccountService, MfaLoginService, PasswordResetService, PasswordService, SessionService, UserService, WebhookService } from '../services';
import { MfaChallengeService, MemoryMfaChallengeStore, RecoveryCodeFactor, RedisMfaChallengeStore } from '../mfa';
import { MfaServiceFactory } from '../mfa/mfa-service.factory';
import { loadKeyRing } from '../platform/crypto/key-ring.loader';
import { SecretBox } from '../platform/crypto/secret.box';
import { ReplicaRouter, replicaUrlsOf } from '../platform/db/replica.router';
import { WriterStickiness } from '../platform/db/writer.stickiness';
import { createStateStores } from './state-stores';
import type { CacheEpoch } from '../auth/revocation/cache-epoch';
import type { RedisTrust } from '../auth/revocation/redis-trust';
import type { RevocationEpoch } from '../auth/revocation/revocation-epoch';
import { CommandPipeline, ormTransactions } from '../platform/commands/command.pipeline';
import { EventBus } from '../platform/commands/event.bus';
import type { AuditedCommands, CommandContext } from '../audit/audited-command.pipeline';
import type { AuditEntry } from '../audit/audit.service';
import type { AuditLog } from '../audit/audit-log.entity';
import type { JobQueue } from '../jobs/job.queue';
import { MAIL_SEND_QUEUE } from '../mail/mail-send.job';
import { OneTimeTokenService } from '../auth/tokens/one-time-token.service';
import { AccountLinks, AccountMailOutbox } from '../account/account-mail.outbox';
import { AddressRateLimit } from '../account/address-rate.limit';
import { PASSWORD_RESET_QUEUE } from '../account/password-reset.job';
import type { AccountEmailServices } from '../account/account-email.presenter';

import { subscribeAfterCommit } from './event-subscribers';
import { EventOutboxWriter } from '../events/event-outbox.writer';
import { WebhookSigner } from '../webhooks/webhook.signer';
import { WebhookTargetGuard } from '../webhooks/webhook-target.guard';
import { PasskeyAccountService } from '../mfa/passkeys/passkey-account.service';
import { MemoryWebAuthnChallengeStore, RedisWebAuthnChallengeStore } from '../mfa/passkeys/webauthn-challenge.store';
import type { WebAuthnSettings } from '../mfa/passkeys/webauthn.settings';

export interface Services {
  /** Starts hearing other instances' invalidations (the user cache's and the session cache's). */
  listenForInvalidations(): Promise<void>;
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
  /** Subscribed to committed writes when replicas are configured (marks writers for read-your-writes). */
  writerStickiness: WriterStickiness;
  /** Delivers committed writes' events to the caches, the audit stream, stickiness (see event-subscribers.ts). */
  events: EventBus;
  /** The one way to run a write (src/platform/commands). */
  commands: AuditedCommands;
  replicaReads: ReplicaRouter;
  /** The revocation epoch as the caches see it (its tag is part of every cached session and user key). */
  cacheEpoch: CacheEpoch;
  /** MFA over any EntityManager (src/mfa), for the passkey and account doors too. */
  mfaFactors: MfaServiceFactory;
  mfaAccounts: MfaAccountService;
  /** The login's second step; also the AuthService's SecondFactorPort. */
  mfaLogins: MfaLoginService;
  mfaChallenges: MfaChallengeService;
  /** Passkeys of the signed-in user and passkey sign-in (issue 16). */
  passkeys: PasskeyAccountService;
  /** Verification, password reset and e-mail change by mailed links (issue 14). */
  accountEmail: AccountEmailServices;
  /** The job queue's dead letters, for admins. */
  deadLetters: DeadLetterService;
  /** The e-mail links' tokens (purged periodically by the server). */
  oneTimeTokens: OneTimeTokenService;
  /** Webhook endpoints for admins (issue 15); the delivery loop signs with the same signer and checks targets with the same guard. */
  webhooks: WebhookService;
  webhookSigner: WebhookSigner;
  webhookTargets: WebhookTargetGuard;
}

/** The issuer an authenticator app shows above the account name. */
const TOTP_ISSUER = 'User API';

/** Wires every service once per process; requests share them and bring their own context. */
export interface Infrastructure {
  /** Null without Redis: every shared store is then kept in this process (one instance only). */
  redis: RedisConnections | null;
  logger: Logger;
  /** The revocation epoch and, with Redis, whether Redis may be believed (see src/auth/revocation). */
  revocation: { epoch: RevocationEpoch; trust: RedisTrust | null };
  /** The durable job queue (mails, reset lookups); its workers are started by the server. */
  jobs: JobQueue;
  /** The event outbox's relay in this process (started by the server with the jobs). */
  eventRelay: { wake(): void };
  /** This process's webhook delivery loop (started with the jobs): deliveries may be due now. */
  webhookDeliveries: { wake(): void };
}

export function createServices(config: Config, { redis, logger, revocation, jobs, eventRelay, webhookDeliveries }: Infrastructure): Services {
  const failures = new RedisFailureReporter(logger);
  const hasher = new PasswordHasher(config.argon2, config.argon2Concurrency);
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
  const auditStream = new AuditStreamPublisher(redis?.redis ?? null, failures);
  const events = subscribeAfterCommit(
    new EventBus((subscriber, event, error) => logger.error({ subscriber, event: event.type, err: error }, 'A subscriber failed after a write committed; the write stands')),
    { auditStream, writerStickiness: replicaUrlsOf(config).length > 0 ? writerStickiness : null, userChanges: userCache, sessionCache, mailQueue: { wake: () => jobs.wake(MAIL_SEND_QUEUE) }, eventRelay, webhookDeliveries },
  );
  const oneTimeTokens = new OneTimeTokenService();
  const outbox = new AccountMailOutbox(oneTimeTokens, { enqueue: async (em, message) => void (await jobs.enqueue(MAIL_SEND_QUEUE, message, { db: em })) }, new AccountLinks(config.mail.linkBaseUrl));
  events.subscribeInTransaction('account-mail', outbox.handle);
  // Last: it flushes the write before numbering its events (see EventOutboxWriter).
  events.subscribeInTransaction('event-outbox', new EventOutboxWriter({ auditStream: redis !== null }).handle);
  const commands: AuditedCommands = new CommandPipeline<CommandContext, AuditEntry, AuditLog>(audit, events, ormTransactions, (ctx) => ({ actorId: ctx.actor?.id ?? null }));
  const users = new UserService({ signupEnabled: config.signupEnabled, requireVersionPrecondition: config.requireVersionPrecondition }, hasher, commands, userCache, replicaReads);
  const loginThrottle = new LoginThrottle(loginAttempts, config.loginThrottle, failures);
  const { ring, origin } = loadKeyRing({ nodeEnv: config.env, spec: config.mfa.encryptionKey, dataDir: config.dataDir });
  if (origin === 'missing') logger.warn('MFA_ENCRYPTION_KEY is not set: authenticator-app MFA and recovery codes answer 503 until it is (passkeys work); see docs/key-rotation.md');
  const secretBox = new SecretBox(ring);
  const mfaFactors = new MfaServiceFactory(secretBox, new RecoveryCodeFactor(ring), TOTP_ISSUER);
  const webhookSigner = new WebhookSigner(secretBox);
  const webhookTargets = new WebhookTargetGuard(config.webhooks);
  const mfaChallenges = new MfaChallengeService(redis ? new RedisMfaChallengeStore(redis.redis) : new MemoryMfaChallengeStore());
  // The login asks the second factor through a port; the second step needs the login's openSession.
  const secondFactor = { methodsFor: (...args: Parameters<MfaLoginService['methodsFor']>) => mfaLogins.methodsFor(...args), challenge: (...args: Parameters<MfaLoginService['challenge']>) => mfaLogins.challenge(...args) };
  const auth = new AuthService(hasher, tokens, sessionCache, loginThrottle, commands, userCache, secondFactor, config.mfa.requiredRoles, { requireVerifiedEmail: config.mail.requireVerifiedEmail });
  // The second step needs the passkeys, made below from the login's openSession.
  const secondFactorPasskeys = { secondFactorOptions: (...args: Parameters<PasskeyAccountService['secondFactorOptions']>) => passkeys.secondFactorOptions(...args), verifySecondFactor: (...args: Parameters<PasskeyAccountService['verifySecondFactor']>) => passkeys.verifySecondFactor(...args) };
  const mfaLogins: MfaLoginService = new MfaLoginService(mfaFactors, mfaChallenges, auth, loginThrottle, commands, secondFactorPasskeys);
  const mfaAccounts = new MfaAccountService(mfaFactors, commands, users);
  const sessions = new SessionService(users, commands);
  const passwords = new PasswordService(users, hasher, commands, loginThrottle);
  const auditQueries = new AuditQueryService(replicaReads);
  const passkeys = createPasskeys(config.webauthn, redis, commands, auth, loginThrottle);
  const addressLimit = new AddressRateLimit(rateLimits);
  const accountEmail: AccountEmailServices = {
    verification: new EmailVerificationService(commands, oneTimeTokens, addressLimit),
    passwordReset: new PasswordResetService({ enabled: config.mail.passwordResetEnabled }, commands, oneTimeTokens, hasher, loginThrottle, addressLimit, {
      enqueue: async (request) => void (await jobs.enqueue(PASSWORD_RESET_QUEUE, request)),
    }),
    emailChange: new EmailChangeService(commands, oneTimeTokens),
  };
  const listenForInvalidations = async () => {
    await userCache.start();
    await sessionCache.start?.();
  };
  return { listenForInvalidations, hasher, tokens, audit, auditQueries, auditStream, users, auth, sessions, passwords, userCache, rateLimits, failures, writerStickiness, replicaReads, cacheEpoch, events, commands, mfaFactors, mfaAccounts, mfaLogins, mfaChallenges, passkeys, accountEmail, deadLetters: new DeadLetterService(commands, jobs, [MAIL_SEND_QUEUE, PASSWORD_RESET_QUEUE]), oneTimeTokens, webhooks: new WebhookService(commands, webhookSigner, webhookTargets), webhookSigner, webhookTargets };
}

/** Passkeys: challenges in Redis when there is one (any instance may get the answer), else in this process. */
function createPasskeys(settings: WebAuthnSettings, redis: RedisConnections | null, commands: AuditedCommands, auth: AuthService, throttle: LoginThrottle): PasskeyAccountService {
  const challenges = redis ? new RedisWebAuthnChallengeStore(redis.redis) : new MemoryWebAuthnChallengeStore();
  return new PasskeyAccountService(settings, challenges, commands, auth, throttle);
}

/** Hands type-graphql resolver instances that already hold their services. */
export function resolverContainer(services: Services): ContainerType {
  const instances = new Map<Function, object>([
    [UserResolver, new UserResolver(services.users, services.sessions, services.auditQueries)],
    [AuthResolver, new AuthResolver(services.auth, services.sessions, services.passwords)],
    [AuditLogResolver, new AuditLogResolver(services.auditQueries)],
    [MfaResolver, new MfaResolver(services.auth, services.mfaAccounts, services.mfaLogins)],
    [PasskeyResolver, new PasskeyResolver(services.passkeys)],
    [AccountEmailResolver, new AccountEmailResolver(services.accountEmail)],
    [DeadLetterResolver, new DeadLetterResolver(services.deadLetters)],
    [WebhookResolver, new WebhookResolver(services.webhooks)],
  ]);
  return {
    get(resolverClass: Function) {
      const instance = instances.get(resolverClass);
      if (!instance) throw new Error(`No resolver instance for ${resolverClass.name}`);
      return instance;
    },
  };
}

