import { rateLimitDirective } from 'graphql-rate-limit-directive';
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RequestContext } from '../context/request-context';
import type { RateCategory } from '../rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../rate-limit/rate-limit.service';

/** Root fields whose bucket is not simply "read" (queries) or "write" (mutations). */
function graphqlCategory(info: GraphQLResolveInfo, ctx: RequestContext): RateCategory {
  const coordinate = `${info.parentType.name}.${info.fieldName}`;
  if (coordinate === 'Mutation.login' || coordinate === 'Mutation.refreshToken') return 'auth';
  if (coordinate === 'Mutation.createUser' && !ctx.actor) return 'signup';
  return info.parentType.name === 'Mutation' ? 'write' : 'read';
}

/** The bucket a field call costs against, carried through the library's string key. */
interface CallKey {
  category: RateCategory;
  actorId: string | null;
  ipAddress: string;
}

/**
 * graphql-rate-limit-directive wraps every field marked @rateLimit; its limiter is swapped for an
 * adapter over the shared sliding-window buckets, so GraphQL and REST spend from the same counts.
 * The directive's arguments document the per-IP defaults; configuration sets the real numbers.
 */
export function createRateLimitDirective(rateLimits: RateLimitService | null) {
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

  return rateLimitDirective<RequestContext>({
    limiterClass: SharedBucketLimiter as unknown as typeof RateLimiterAbstract,
    keyGenerator: (_args, _source, _fieldArgs, ctx, info) =>
      JSON.stringify({ category: graphqlCategory(info, ctx), actorId: ctx.actor?.id ?? null, ipAddress: ctx.ipAddress } satisfies CallKey),
    onLimit: (response) => {
      throw rateLimitedError({ allowed: false, limit: 0, remaining: 0, resetSeconds: Math.max(Math.ceil(response.msBeforeNext / 1000), 1) });
    },
  });
}

export type RateLimitTransformer = (schema: GraphQLSchema) => GraphQLSchema;
