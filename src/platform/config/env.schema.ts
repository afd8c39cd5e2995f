import { z } from 'zod';
import { checkEmail } from '../validation/email/email.address';
import { KeyRing, KeyRingSpecError } from '../crypto/key-ring';
import { checkWebauthnOrigins, webauthnEnvFields } from './webauthn.env';
import { checkMailTransport, mailEnvFields } from './mail.env';
import { webhookEnvFields } from './webhook.env';

const booleanFromString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** The roles of src/users/user-role.ts (platform/ imports no feature; tests/platform/config checks they agree). */
export const USER_ROLES = ['admin', 'moderator', 'user'] as const;

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

/** "host:port,host:port": seed nodes of a Redis Cluster (the others are discovered). */
const redisClusterNodes = z
  .string()
  .transform((text) => text.split(',').map((node) => node.trim()).filter(Boolean))
  .refine((nodes) => nodes.length > 0 && nodes.every((node) => /^[^\s:]+:\d{1,5}$/.test(node) && Number(node.split(':')[1]) <= 65535), 'must be comma-separated host:port pairs')
  .transform((nodes) => nodes.map((node) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) })));

/**
 * Every environment variable the service reads, with its default and its rules. loadConfig
 * (config.ts) parses them all at once and turns them into the Config the rest of the code sees.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .url()
      .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgres:// URL')
      // Unset: an embedded PostgreSQL in DATA_DIR (src/platform/db/embedded-postgres.ts), so `npm start` needs nothing installed.
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DB_POOL_MAX: positiveInt.default(10),
    DATABASE_READ_URLS: z
      .string()
      .default('')
      .superRefine((value, ctx) => {
        splitList(value).forEach((url, index) => {
          // The URL itself is not echoed: it may carry a password.
          if (!isPostgresUrl(url)) ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be a postgres:// URL` });
        });
      }),
    DATABASE_READ_STICKY_SECONDS: positiveInt.default(5),
    // Neither REDIS_URL nor REDIS_CLUSTER_NODES: rate limits, lock-outs, sessions and caches live in
    // process, which is correct for one instance only.
    REDIS_URL: z
      .string()
      .url()
      .refine((url) => /^rediss?:\/\//.test(url), 'must be a redis:// URL')
      .optional(),
    REDIS_CLUSTER_NODES: redisClusterNodes.optional(),
    // Hash tags ({...}) decide Redis Cluster slots; braces in the prefix would put every key in one.
    REDIS_KEY_PREFIX: z.string().regex(/^[^{}]*$/, 'must not contain { or } (they would become a Redis Cluster hash tag)').default('uma:'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MIGRATE_ON_START: booleanFromString.default('true'),
    JWT_SECRET: z.string().optional(),
    JWT_ALGORITHM: z.enum(['HS256', 'HS384', 'HS512']).default('HS256'),
    ACCESS_TOKEN_EXPIRE: positiveInt.default(15),
    REFRESH_TOKEN_EXPIRE: positiveInt.default(10080),
    SIGNUP_ENABLED: booleanFromString.default('true'),
    REQUIRE_IF_MATCH: booleanFromString.default('false'),
    ADMIN_USERNAME: z.string().min(3).optional(),
    // The API's own e-mail rule, so the first admin's address is one the API accepts and serves.
    ADMIN_EMAIL: z.string().refine((email) => checkEmail(email).ok, 'must be an e-mail address the API accepts (see src/platform/validation/email/email.address.ts)').optional(),
    ADMIN_PASSWORD: z.string().min(8).optional(),
    ADMIN_GENERATE: booleanFromString.optional(),
    ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19456),
    ARGON2_ITERATIONS: z.coerce.number().int().min(1).default(2),
    ARGON2_PARALLELISM: z.coerce.number().int().min(1).default(1),
    // Default: the cores this process may use (os.availableParallelism), see config.ts.
    ARGON2_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
    // libuv's own variable, read here so a bad value is named at start (1024 is libuv's ceiling).
    UV_THREADPOOL_SIZE: z.coerce.number().int().min(1).max(1024).optional(),
    LOGIN_MAX_FAILURES_PER_IP: positiveInt.default(5),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(50),
    LOGIN_LOCKOUT_SECONDS: positiveInt.default(900),
    SESSION_PURGE_INTERVAL_SECONDS: positiveInt.default(3600),
    SHUTDOWN_TIMEOUT: positiveInt.default(10),
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: positiveInt.default(65),
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
    // Mails a caller can make us send (password reset, verification resend): per IP, and per address however many IPs ask.
    RATE_LIMIT_EMAIL_PER_IP: rateRule.default('10/3600'),
    RATE_LIMIT_EMAIL_PER_ADDRESS: rateRule.default('3/3600'),
    CACHE_USER_TTL_SECONDS: positiveInt.default(300),
    CACHE_LIST_TTL_SECONDS: positiveInt.default(60),
    CACHE_SESSION_TTL_SECONDS: positiveInt.default(900),
    CACHE_LOCAL_MAX_ENTRIES: z.coerce.number().int().min(0).default(10000),
    CACHE_LOCAL_TTL_SECONDS: positiveInt.default(10),
    REVOCATION_EPOCH_POLL_SECONDS: positiveInt.default(5),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_TOKEN: z.string().min(16).optional(),
    CORS_ORIGINS: z.string().default(''),
    GRAPHQL_INTROSPECTION: booleanFromString.optional(),
    GRAPHQL_MAX_DEPTH: positiveInt.default(10),
    GRAPHQL_MAX_ALIASES: positiveInt.default(30),
    GRAPHQL_MAX_COMPLEXITY: positiveInt.default(10000),
    GRAPHQL_MAX_TOKENS: positiveInt.default(5000),
    // Read from process.env by src/platform/observability/tracing.bootstrap.ts before anything else loads;
    // validated here so that a bad value is reported with the rest.
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must be an http(s):// URL (OTLP over HTTP)')
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('user-api'),
    // "id:base64key[,id:base64key...]", the active key first (docs/key-rotation.md). Unset outside
    // production: a key generated into DATA_DIR (development) or per process (test).
    MFA_ENCRYPTION_KEY: z
      .string()
      .superRefine((spec, ctx) => {
        const problem = keyRingProblem(spec);
        // The problem names the entry, never the key material.
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    // Roles that must enrol a second factor before they may act (enrolment itself stays open).
    MFA_REQUIRED_ROLES: z
      .string()
      .default('')
      .transform(splitList)
      .pipe(z.array(z.enum(USER_ROLES, { errorMap: () => ({ message: `must list roles among ${USER_ROLES.join(', ')}` }) }))),
    ...webauthnEnvFields,
    ...mailEnvFields,
    ...webhookEnvFields,
  })
  .superRefine((env, ctx) => {
    if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 32 characters' });
    }
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required in production' });
    }
    // An embedded database in a production container would lose its data with the container.
    if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required in production (the embedded PostgreSQL is for development)' });
    }
    // Replicas of an embedded database make no sense; refuse rather than silently ignore them.
    if (env.DATABASE_READ_URLS !== '' && env.DATABASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_READ_URLS'], message: 'needs DATABASE_URL (the primary)' });
    }
    checkWebauthnOrigins(env, ctx);
    checkMailTransport(env, ctx);
    if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both' });
    }
    const adminVars = [env.ADMIN_USERNAME, env.ADMIN_EMAIL, env.ADMIN_PASSWORD];
    // With a generated password, ADMIN_USERNAME and ADMIN_EMAIL alone name the generated admin.
    const namesGeneratedAdmin = env.ADMIN_PASSWORD === undefined && generatesAdmin(env);
    if (!namesGeneratedAdmin && adminVars.some((v) => v !== undefined) && adminVars.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_USERNAME'],
        message: 'ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD must be set together (or ADMIN_GENERATE=true to have the password generated)',
      });
    }
  });

function keyRingProblem(spec: string): string | null {
  try {
    KeyRing.parse(spec);
    return null;
  } catch (error) {
    if (error instanceof KeyRingSpecError) return error.problems.join('; ');
    throw error;
  }
}

export function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function isPostgresUrl(value: string): boolean {
  return z.string().url().safeParse(value).success && /^postgres(ql)?:\/\//.test(value);
}

/**
 * A password written to a file is a newcomer's convenience: on by default in development only. In
 * production an operator must ask for it (ADMIN_GENERATE=true) or, better, pass ADMIN_PASSWORD from a secret store.
 */
export function generatesAdmin(env: { NODE_ENV: string; ADMIN_GENERATE?: boolean }): boolean {
  return env.ADMIN_GENERATE ?? env.NODE_ENV === 'development';
}
