import { rateLimitDirective } from 'graphql-rate-limit-directive';
import { buildSchema as buildSdlSchema, type GraphQLDirective, type GraphQLEnumType, type GraphQLSchema } from 'graphql';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { loadConfig } from '../../platform/config/config';
import type { RequestContext } from '../../context/request-context';
import type { RateCategory, RateLimits, RateRule } from '../../platform/rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../../platform/rate-limit/rate-limit.service';

/** The bucket a field names in `@rateLimit(bucket: ...)`; the numbers are configuration, never schema. */
type Bucket = 'AUTH' | 'SIGNUP' | 'READ' | 'WRITE';

const rule = ({ limit, windowSeconds }: RateRule) => `${limit} per ${windowSeconds} s`;

/**
 * The directive and its enum, described with the limits in force: the served schema shows this
 * instance's configuration, the committed schema.graphql the defaults. The arguments of
 * graphql-rate-limit-directive's own definition (limit, duration) are not declared: they would
 * claim numbers the shared limiter never reads.
 */
export function rateLimitTypeDefs(limits: RateLimits, enabled: boolean): string {
  const off = enabled ? '' : ' Rate limiting is off on this instance (RATE_LIMIT_ENABLED=false).';
  return `
"""
Each call of the field costs one request from a rate-limit bucket, shared with the REST routes
(the same bucket whichever door is used; each aliased root field counts). The limits come from
configuration (RATE_LIMIT_* variables); the bucket descriptions show those in force.${off}
"""
directive @rateLimit(bucket: RateLimitBucket!) on OBJECT | FIELD_DEFINITION

"""Which rate-limit bucket an operation spends from (see @rateLimit)."""
enum RateLimitBucket {
  """Login and token refresh, per client IP: ${rule(limits.authPerIp)} (RATE_LIMIT_AUTH_PER_IP)."""
  AUTH
  """Anonymous sign-up, per client IP: ${rule(limits.signupPerIp)} (RATE_LIMIT_SIGNUP_PER_IP). A signed-in caller creating a user spends WRITE instead."""
  SIGNUP
  """Reads: per user when signed in, ${rule(limits.readPerUser)} (RATE_LIMIT_READ_PER_USER); per client IP otherwise, ${rule(limits.readPerIp)} (RATE_LIMIT_READ_PER_IP)."""
  READ
  """Writes: per user when signed in, ${rule(limits.writePerUser)} (RATE_LIMIT_WRITE_PER_USER); per client IP otherwise, ${rule(limits.writePerIp)} (RATE_LIMIT_WRITE_PER_IP)."""
  WRITE
}
`;
}

/** The category a call spends from: the field's bucket, except that a signed-in caller's createUser is a write. */
export function categoryOf(bucket: Bucket, signedIn: boolean): RateCategory {
  if (bucket === 'SIGNUP' && signedIn) return 'write';
  return bucket.toLowerCase() as RateCategory;
}

/** The bucket a field call costs against, carried through the library's string key. */
interface CallKey {
  category: RateCategory;
  actorId: string | null;
  ipAddress: string;
}

export interface RateLimitDirective {
  directive: GraphQLDirective;
  bucketType: GraphQLEnumType;
  transformer: (schema: GraphQLSchema) => GraphQLSchema;
}

/**
 * graphql-rate-limit-directive wraps every field marked @rateLimit; its limiter is swapped for an
 * adapter over the shared sliding-window buckets, so GraphQL and REST spend from the same counts.
 * Without a service (printing the schema) the defaults describe the buckets.
 */
export function createRateLimitDirective(rateLimits: RateLimitService | null): RateLimitDirective {
  // RateLimiterMemory only lends the constructor; consume is replaced entirely.
  class SharedBucketLimiter extends RateLimiterMemory {
    override async consume(key: string | number): Promise<RateLimiterRes> {
      const call = JSON.parse(String(key)) as CallKey;
      const caller = { actor: call.actorId ? { id: call.actorId } : null, ipAddress: call.ipAddress };
      const decision = rateLimits ? await rateLimits.consume(call.category, caller) : null;
      const response = new RateLimiterRes(decision?.remaining ?? 0, (decision?.resetSeconds ?? 0) * 1000, 1);
      if (decision && !decision.allowed) throw response;
      return response;
    }
  }

  const { rateLimitDirectiveTransformer } = rateLimitDirective<RequestContext>({
    limiterClass: SharedBucketLimiter as unknown as typeof RateLimiterAbstract,
    keyGenerator: (directiveArgs, _source, _fieldArgs, ctx) => {
      const { bucket } = directiveArgs as unknown as { bucket: Bucket };
      return JSON.stringify({ category: categoryOf(bucket, ctx.actor !== null), actorId: ctx.actor?.id ?? null, ipAddress: ctx.ipAddress } satisfies CallKey);
    },
    onLimit: (response) => {
      throw rateLimitedError({ allowed: false, limit: 0, remaining: 0, resetSeconds: Math.max(Math.ceil(response.msBeforeNext / 1000), 1) });
    },
  });

  const limits = rateLimits?.limits ?? loadConfig({}).rateLimit.limits;
  const definitions = buildSdlSchema(`${rateLimitTypeDefs(limits, rateLimits?.enabled ?? true)}\ntype Query { _: Boolean }`);
  return {
    directive: definitions.getDirective('rateLimit') as GraphQLDirective,
    bucketType: definitions.getType('RateLimitBucket') as GraphQLEnumType,
    transformer: rateLimitDirectiveTransformer,
  };
}
