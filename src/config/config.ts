import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RateLimits } from '../rate-limit/rate-limit.policy';

const booleanFromString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const positiveInt = z.coerce.number().int().positive();

/** "LIMIT/SECONDS", e.g. "5/60": at most LIMIT requests in any SECONDS-long window. */
const rateRule = z
  .string()
  .regex(/^\d+\/\d+$/, 'must look like LIMIT/SECONDS, e.g. 5/60')
  .transform((text) => {
    const [limit, windowSeconds] = text.split('/').map(Number);
    return { limit, windowSeconds };
  })
  .refine((rule) => rule.limit > 0 && rule.windowSeconds > 0, 'needs a positive limit and window');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .url()
      .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/user_api'),
    DB_POOL_MAX: positiveInt.default(10),
    REDIS_URL: z
      .string()
      .url()
      .refine((url) => /^rediss?:\/\//.test(url), 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z.string().default('uma:'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MIGRATE_ON_START: booleanFromString.default('true'),
    JWT_SECRET: z.string().optional(),
    JWT_ALGORITHM: z.enum(['HS256', 'HS384', 'HS512']).default('HS256'),
    ACCESS_TOKEN_EXPIRE: positiveInt.default(15),
    REFRESH_TOKEN_EXPIRE: positiveInt.default(10080),
    SIGNUP_ENABLED: booleanFromString.default('true'),
    ADMIN_USERNAME: z.string().min(3).optional(),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(8).optional(),
    ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19456),
    ARGON2_ITERATIONS: z.coerce.number().int().min(1).default(2),
    ARGON2_PARALLELISM: z.coerce.number().int().min(1).default(1),
    LOGIN_MAX_FAILURES_PER_IP: positiveInt.default(5),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(50),
    LOGIN_LOCKOUT_SECONDS: positiveInt.default(900),
    SESSION_PURGE_INTERVAL_SECONDS: positiveInt.default(3600),
    SHUTDOWN_TIMEOUT: positiveInt.default(10),
    BODY_LIMIT_BYTES: positiveInt.default(100 * 1024),
    TRUST_PROXY: z.string().default('false'),
    RATE_LIMIT_ENABLED: booleanFromString.default('true'),
    RATE_LIMIT_FAIL_CLOSED: booleanFromString.default('false'),
    RATE_LIMIT_AUTH_PER_IP: rateRule.default('5/60'),
    RATE_LIMIT_SIGNUP_PER_IP: rateRule.default('10/3600'),
    RATE_LIMIT_READ_PER_IP: rateRule.default('1000/3600'),
    RATE_LIMIT_WRITE_PER_IP: rateRule.default('100/3600'),
    RATE_LIMIT_READ_PER_USER: rateRule.default('5000/3600'),
    RATE_LIMIT_WRITE_PER_USER: rateRule.default('500/3600'),
    CACHE_USER_TTL_SECONDS: positiveInt.default(300),
    CACHE_LIST_TTL_SECONDS: positiveInt.default(60),
    CACHE_SESSION_TTL_SECONDS: positiveInt.default(900),
    CACHE_LOCAL_MAX_ENTRIES: z.coerce.number().int().min(0).default(10000),
    CACHE_LOCAL_TTL_SECONDS: positiveInt.default(10),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_TOKEN: z.string().min(16).optional(),
    CORS_ORIGINS: z.string().default(''),
    GRAPHQL_INTROSPECTION: booleanFromString.optional(),
    GRAPHQL_MAX_DEPTH: positiveInt.default(10),
    GRAPHQL_MAX_ALIASES: positiveInt.default(30),
    GRAPHQL_MAX_COMPLEXITY: positiveInt.default(10000),
    GRAPHQL_MAX_TOKENS: positiveInt.default(5000),
    // Read from process.env by src/observability/tracing.bootstrap.ts before anything else loads;
    // validated here so that a bad value is reported with the rest.
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must be an http(s):// URL (OTLP over HTTP)')
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('user-api'),
  })
  .superRefine((env, ctx) => {
    if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 32 characters' });
    }
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required in production' });
    }
    const adminVars = [env.ADMIN_USERNAME, env.ADMIN_EMAIL, env.ADMIN_PASSWORD];
    if (adminVars.some((v) => v !== undefined) && adminVars.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_USERNAME'],
        message: 'ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
      });
    }
  });

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  databaseUrl: string;
  dbPoolMax: number;
  redisUrl: string;
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
  bootstrapAdmin?: { username: string; email: string; password: string };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  loginThrottle: { maxFailuresPerIp: number; maxFailuresPerAccount: number; windowSeconds: number };
  sessionPurgeIntervalSeconds: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before their connections are cut. */
  shutdownTimeoutSeconds: number;
  bodyLimitBytes: number;
  /** Express "trust proxy": false, a hop count, or addresses/subnets whose X-Forwarded-For is believed. */
  trustProxy: boolean | number | string;
  rateLimit: { enabled: boolean; failClosed: boolean; limits: RateLimits };
  /** Separate port for /metrics, or a bearer token guarding /metrics on the main port. */
  metrics: { port?: number; token?: string };
  corsOrigins: string[];
  graphql: { introspection: boolean; maxDepth: number; maxAliases: number; maxComplexity: number; maxTokens: number };
  cache: { userTtlSeconds: number; listTtlSeconds: number; sessionTtlSeconds: number; localMaxEntries: number; localTtlSeconds: number };
  /** OpenTelemetry: spans go to the OTLP endpoint when set (started by tracing.bootstrap.ts, not from here). */
  tracing: { otlpEndpoint?: string; serviceName: string };
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

/** Reads and validates every variable at once, so an operator sees all mistakes in one go. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const definedOnly = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(definedOnly);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dbPoolMax: env.DB_POOL_MAX,
    redisUrl: env.REDIS_URL,
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
    bootstrapAdmin:
      env.ADMIN_USERNAME && env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { username: env.ADMIN_USERNAME, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_ITERATIONS, parallelism: env.ARGON2_PARALLELISM },
    loginThrottle: {
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowSeconds: env.LOGIN_LOCKOUT_SECONDS,
    },
    sessionPurgeIntervalSeconds: env.SESSION_PURGE_INTERVAL_SECONDS,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT,
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
    tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
  };
}
