import type { Request, RequestHandler } from 'express';
import type { RateCategory } from '../rate-limit/rate-limit.policy';
import { rateLimitedError, type RateLimitService } from '../rate-limit/rate-limit.service';
import { contextOf } from './json-body';

const AUTH_PATHS = new Set(['/auth/login', '/auth/refresh']);

/** Which bucket a REST call costs against; GraphQL's directive maps its fields the same way. */
export function restCategory(req: Request, signedIn: boolean): RateCategory {
  if (req.method === 'POST' && AUTH_PATHS.has(req.path)) return 'auth';
  if (req.method === 'POST' && req.path === '/users' && !signedIn) return 'signup';
  return req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
}

/** Counts the request, answers with RateLimit-* headers either way, and refuses with 429 when over. */
export function rateLimitMiddleware(rateLimits: RateLimitService): RequestHandler {
  return async (req, res, next) => {
    const ctx = contextOf(res);
    const decision = await rateLimits.consume(restCategory(req, ctx.actor !== null), ctx);
    if (!decision) return next();
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    next(decision.allowed ? undefined : rateLimitedError(decision));
  };
}
