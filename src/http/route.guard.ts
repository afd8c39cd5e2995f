import { type RequestHandler, Router } from 'express';
import { assertEnrolledFor, operationOfRoute, rateCategoryOf } from '../context/operation.table';
import type { RateCategory } from '../platform/rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../platform/rate-limit/rate-limit.service';
import { contextOf } from './json-body';
import type { TokenRefusal } from '../auth/tokens/token.refusal';
import { routeTemplate } from '../platform/observability/route-label';

/**
 * One spelling per REST route: matching is case-sensitive and strict about trailing slashes, so
 * `/v1/AUTH/login` or `/v1/auth/login/` is a 404 and never a second way into a handler (and its
 * rate bucket). Every router of /v1 is made here, since express routers do not inherit the setting.
 */
export function canonicalRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

export type RouteGuard = RequestHandler;

/**
 * The first handler of every /v1 route. It runs only once the route has matched, so it knows which
 * operation this is (the operation table, src/context/operation.table.ts): it records the route template
 * (metrics label 401s and 429s with their real route), answers a refused token (401, or 503 when it could not be checked), and counts the
 * request against the operation's own bucket, never against one guessed from the raw path.
 */
export function routeGuard(rateLimits: RateLimitService): RouteGuard {
  const limit = rateLimitHandler(rateLimits);
  return (req, res, next) => {
    const template = routeTemplate(req);
    res.locals.route = template;
    const refusal = res.locals.tokenRefusal as TokenRefusal | undefined;
    if (refusal) return next(refusal.error);
    const operation = template === undefined ? undefined : operationOfRoute(req.method, template);
    // createApp refuses to start with a route the table does not know; this only guards a guard misplaced.
    if (!operation) return next(new Error(`No operation for ${req.method} ${template ?? req.path}.`));
    try {
      assertEnrolledFor(operation, contextOf(res).actor);
    } catch (error) {
      return next(error);
    }
    // Returned, so express 5 passes a rejection (the limiter failing closed) on as an error.
    return limit(rateCategoryOf(operation, contextOf(res).actor !== null))(req, res, next);
  };
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** The routes a router mounts under `prefix`, as `{ method: 'get', path: '/v1/users/:id' }`. */
export function routesOf(prefix: string, router: Router): { method: string; path: string }[] {
  return (router.stack as RouteLayer[]).flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).map((method) => ({ method, path: `${prefix}${layer.route?.path === '/' ? '' : layer.route?.path}` })) : [],
  );
}

/** Every mounted route must be an operation of the table, or its bucket and role would be nobody's decision. */
export function assertRoutesHaveOperations(routes: readonly { method: string; path: string }[]): void {
  const unknown = routes.filter(({ method, path }) => operationOfRoute(method, path) === undefined);
  if (unknown.length > 0) throw new Error(`REST routes missing from the operation table: ${unknown.map(({ method, path }) => `${method.toUpperCase()} ${path}`).join(', ')}`);
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
