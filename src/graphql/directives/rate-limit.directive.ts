import { rateLimitDirective } from 'graphql-rate-limit-directive';
import { buildSchema as buildSdlSchema, type GraphQLDirective, type GraphQLEnumType, type GraphQLSchema } from 'graphql';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { loadConfig } from '../../platform/config/config';
import type { RequestContext } from '../../context/request-context';
import { operationOfField, rateCategoryOf } from '../../context/operation.table';
import type { RateCategory, RateLimits, RateRule } from '../../platform/rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../../platform/rate-limit/rate-limit.service';

const rule = ({ limit, windowSeconds }: RateRule) => `${limit} per ${windowSeconds} s`;

/**
 * The directive and its enum, described with the limits in force: the served schema shows this
 * instance's configuration, the committed schema.graphql the defaults. `limit` and `duration` are
 * graphql-rate-limit-directive's own arguments; the operation table puts on each root field the
 * rule its bucket holds a caller who passed the field's @auth to (src/graphql/directives/operation.directives.ts).
 */
function rateLimitTypeDefs(limits: RateLimits, enabled: boolean): string {
  const off = enabled ? '' : ' Rate limiting is off on this instance (RATE_LIMIT_ENABLED=false).';
  return `
"""
Each call of the field costs one request from a rate-limit bucket, shared with the REST routes
(the same bucket whichever door is used; each aliased root field counts). The limits come from
configuration (RATE_LIMIT_* variables); the bucket descriptions show those in force.${off}
"""
directive @rateLimit(
  """The bucket the call spends from."""
  bucket: RateLimitBucket!
  """Calls allowed per window, for a caller who may call the field (see the bucket for the others)."""
  limit: Int!
  """The window, in seconds."""
  duration: Int!
) on OBJECT | FIELD_DEFINITION

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
  """Mails a caller can make the API send (password reset, verification), per client IP: ${rule(limits.emailPerIp)} (RATE_LIMIT_EMAIL_PER_IP); and per recipient address, ${rule(limits.emailPerAddress)} (RATE_LIMIT_EMAIL_PER_ADDRESS)."""
  EMAIL
}
`;
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
  /** The limits the schema prints in @rateLimit: this instance's, or the defaults without one. */
  limits: RateLimits;
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
    keyGenerator: (_directiveArgs, _source, _fieldArgs, ctx, info) => {
      const operation = operationOfField(info.parentType.name, info.fieldName);
      if (!operation) throw new Error(`@rateLimit on ${info.parentType.name}.${info.fieldName}, which is no operation of the table.`);
      return JSON.stringify({ category: rateCategoryOf(operation, ctx.actor !== null), actorId: ctx.actor?.id ?? null, ipAddress: ctx.ipAddress } satisfies CallKey);
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
    limits,
    transformer: rateLimitDirectiveTransformer,
  };
}
