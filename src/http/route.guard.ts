import { type RequestHandler, Router } from 'express';
import type { RateCategory } from '../platform/rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../platform/rate-limit/rate-limit.service';
import { contextOf } from './json-body';
import { routeTemplate } from '../platform/observability/route-label';

/**
 * One spelling per REST route: matching is case-sensitive and strict about trailing slashes, so
 * `/v1/AUTH/login` or `/v1/auth/login/` is a 404 and never a second way into a handler (and its
 * rate bucket). Every router of /v1 is made here, since express routers do not inherit the setting.
 */
export function canonicalRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

/** A route's bucket: fixed, or decided by whether the caller is signed in (sign-up vs. admin create). */
export type RouteCategory = RateCategory | ((signedIn: boolean) => RateCategory);

export type RouteGuard = (category: RouteCategory) => RequestHandler;

/**
 * The first handler of every /v1 route. It runs only once the route has matched, so it knows which
 * operation this is: it records the route template (metrics label 401s and 429s with their real
 * route), answers a bad token with 401, and counts the request against the route's own bucket,
 * never against one guessed from the raw path.
 */
export function routeGuard(rateLimits: RateLimitService): RouteGuard {
  const limit = rateLimitHandler(rateLimits);
  return (category) => (req, res, next) => {
    res.locals.route = routeTemplate(req);
    if (res.locals.authError) return next(res.locals.authError);
    // Returned, so express 5 passes a rejection (the limiter failing closed) on as an error.
    return limit(typeof category === 'function' ? category(contextOf(res).actor !== null) : category)(req, res, next);
  };
}

/** Anything under /v1 that no route matched still costs a read or a write, so 404 probing is limited too. */
export function unmatchedGuard(rateLimits: RateLimitService): RequestHandler {
  const limit = rateLimitHandler(rateLimits);
  return (req, res, next) => limit(req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write')(req, res, next) as unknown as void;
}

/** Counts the request, answers with RateLimit-* headers either way, and refuses with 429 when over. */
function rateLimitHandler(rateLimits: RateLimitService) {
  return (category: RateCategory): RequestHandler =>
    async (_req, res, next) => {
      const decision = await rateLimits.consume(category, contextOf(res));
      if (!decision) return next();
      res.setHeader('RateLimit-Limit', String(decision.limit));
      res.setHeader('RateLimit-Remaining', String(decision.remaining));
      res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
      next(decision.allowed ? undefined : rateLimitedError(decision));
    };
}
