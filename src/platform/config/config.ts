import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RateLimits } from '../rate-limit/rate-limit.policy';
import { envSchema, generatesAdmin, splitList } from './env.schema';
import { mailConfigOf, type MailConfig } from './mail.env';
import { webhookConfigOf, type WebhookConfig } from './webhook.env';

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** Unset: an embedded PostgreSQL in `dataDir` (see src/platform/db/database.source.ts). */
  databaseUrl: string | undefined;
  /** Local state of a zero-setup start: the embedded cluster and the first admin's credentials. */
  dataDir: string;
  dbPoolMax: number;
  /**
   * Streaming replicas that serve the reads allowed to lag (lists, search, the audit trail); see
   * src/platform/db/replica.router.ts. A writer reads from the primary for `stickySeconds` after its write.
   */
  readReplicas: { urls: string[]; stickySeconds: number };
  /** Unset (and no cluster): the in-process stores. The start banner reads it. */
  redisUrl: string | undefined;
  /** Set: a Redis Cluster, reached through these seed nodes. */
  redisClusterNodes: { host: string; port: number }[] | undefined;
  redisKeyPrefix: string;
  logLevel: string;
  migrateOnStart: boolean;
  jwt: {
    secret: string;
    algorithm: 'HS256' | 'HS384' | 'HS512';
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  };
  signupEnabled: boolean;
  /** Changes to users must name the version they change (REST If-Match, GraphQL expectedVersion), else 428. */
  requireVersionPrecondition: boolean;
  bootstrapAdmin?: { username: string; email: string; password: string };
  /**
   * When no admin exists and no ADMIN_PASSWORD is given: create one with a random password written
   * to `credentialsFile` (mode 0600). On by default in development only (ADMIN_GENERATE).
   */
  generatedAdmin?: { username: string; email: string; credentialsFile: string };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** How many password hashes run at once: the cores, so hashing never oversubscribes them nor leaves one idle. */
  argon2Concurrency: number;
  /**
   * libuv's thread pool (UV_THREADPOOL_SIZE), applied by src/main.ts before the pool starts: the
   * hashes above plus libuv's default four, so hashing is not held to four threads on a larger
   * machine and a burst of logins never makes file or DNS work wait behind queued hashes.
   */
  threadPoolSize: number;
  loginThrottle: { maxFailuresPerIp: number; maxFailuresPerAccount: number; windowSeconds: number };
  sessionPurgeIntervalSeconds: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before their connections are cut. */
  shutdownTimeoutSeconds: number;
  /** How long an idle keep-alive connection is kept: longer than a load balancer's idle timeout. */
  keepAliveTimeoutSeconds: number;
  bodyLimitBytes: number;
  /** Express "trust proxy": false, a hop count, or addresses/subnets whose X-Forwarded-For is believed. */
  trustProxy: boolean | number | string;
  rateLimit: { enabled: boolean; failClosed: boolean; limits: RateLimits };
  /** Separate port for /metrics, or a bearer token guarding /metrics on the main port. */
  metrics: { port?: number; token?: string };
  corsOrigins: string[];
  graphql: { introspection: boolean; maxDepth: number; maxAliases: number; maxComplexity: number; maxTokens: number };
  cache: { userTtlSeconds: number; listTtlSeconds: number; sessionTtlSeconds: number; localMaxEntries: number; localTtlSeconds: number };
  /** How often each instance re-reads the revocation epoch, besides hearing it over LISTEN/NOTIFY. */
  revocationEpochPollSeconds: number;
  /** OpenTelemetry: spans go to the OTLP endpoint when set (started by tracing.bootstrap.ts, not from here). */
  tracing: { otlpEndpoint?: string; serviceName: string };
  /**
   * MFA: the key ring spec for TOTP secrets at rest (unset outside production: see
   * src/platform/crypto/key-ring.loader.ts), and the roles that must enrol a second factor first.
   */
  mfa: { encryptionKey: string | undefined; requiredRoles: string[] };
  /** Who passkeys belong to (src/mfa/passkeys). */
  webauthn: { rpId: string; rpName: string; origins: string[] };
  /** The e-mail flows: transport, sender, links (src/platform/config/mail.env.ts). */
  mail: MailConfig;
  /** Webhook deliveries: reachable targets, timeout, retries (src/platform/config/webhook.env.ts). */
  webhooks: WebhookConfig;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** libuv's default pool: what stays for file, DNS, zlib and crypto work beside the hashes. */
const LIBUV_DEFAULT_THREADS = 4;

/** Reads and validates every variable at once, so an operator sees all mistakes in one go. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const definedOnly = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(definedOnly);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const env = parsed.data;
  const argon2Concurrency = env.ARGON2_CONCURRENCY ?? availableParallelism();
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    dbPoolMax: env.DB_POOL_MAX,
    readReplicas: { urls: splitList(env.DATABASE_READ_URLS), stickySeconds: env.DATABASE_READ_STICKY_SECONDS },
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    logLevel: env.LOG_LEVEL,
    migrateOnStart: env.MIGRATE_ON_START,
    jwt: {
      // Outside production a per-process secret keeps the newcomer path zero-setup; tokens die with the process.
      secret: env.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      algorithm: env.JWT_ALGORITHM,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_EXPIRE * 60,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_EXPIRE * 60,
    },
    signupEnabled: env.SIGNUP_ENABLED,
    requireVersionPrecondition: env.REQUIRE_IF_MATCH,
    bootstrapAdmin:
      env.ADMIN_USERNAME && env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { username: env.ADMIN_USERNAME, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    generatedAdmin:
      env.ADMIN_PASSWORD === undefined && generatesAdmin(env)
        ? { username: env.ADMIN_USERNAME ?? 'admin', email: env.ADMIN_EMAIL ?? 'admin@example.com', credentialsFile: join(env.DATA_DIR, 'first-admin.txt') }
        : undefined,
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_ITERATIONS, parallelism: env.ARGON2_PARALLELISM },
    argon2Concurrency,
    threadPoolSize: env.UV_THREADPOOL_SIZE ?? argon2Concurrency + LIBUV_DEFAULT_THREADS,
    loginThrottle: {
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowSeconds: env.LOGIN_LOCKOUT_SECONDS,
    },
    sessionPurgeIntervalSeconds: env.SESSION_PURGE_INTERVAL_SECONDS,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT,
    keepAliveTimeoutSeconds: env.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      failClosed: env.RATE_LIMIT_FAIL_CLOSED,
      limits: {
        authPerIp: env.RATE_LIMIT_AUTH_PER_IP,
        signupPerIp: env.RATE_LIMIT_SIGNUP_PER_IP,
        readPerIp: env.RATE_LIMIT_READ_PER_IP,
        writePerIp: env.RATE_LIMIT_WRITE_PER_IP,
        readPerUser: env.RATE_LIMIT_READ_PER_USER,
        writePerUser: env.RATE_LIMIT_WRITE_PER_USER,
        emailPerIp: env.RATE_LIMIT_EMAIL_PER_IP,
        emailPerAddress: env.RATE_LIMIT_EMAIL_PER_ADDRESS,
      },
    },
    metrics: { port: env.METRICS_PORT, token: env.METRICS_TOKEN },
    corsOrigins: env.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean),
    graphql: {
      introspection: env.GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== 'production',
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxComplexity: env.GRAPHQL_MAX_COMPLEXITY,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
    },
    cache: {
      userTtlSeconds: env.CACHE_USER_TTL_SECONDS,
      listTtlSeconds: env.CACHE_LIST_TTL_SECONDS,
      sessionTtlSeconds: env.CACHE_SESSION_TTL_SECONDS,
      localMaxEntries: env.CACHE_LOCAL_MAX_ENTRIES,
      localTtlSeconds: env.CACHE_LOCAL_TTL_SECONDS,
    },
    revocationEpochPollSeconds: env.REVOCATION_EPOCH_POLL_SECONDS,
    tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    mfa: { encryptionKey: env.MFA_ENCRYPTION_KEY, requiredRoles: env.MFA_REQUIRED_ROLES },
    webauthn: { rpId: env.WEBAUTHN_RP_ID, rpName: env.WEBAUTHN_RP_NAME, origins: env.WEBAUTHN_ORIGINS },
    mail: mailConfigOf(env),
    webhooks: webhookConfigOf(env),
  };
}
