import type { Request } from 'express';

// How requests are named in metrics and logs. Kept below http/ so the metrics middleware can label
// by route without importing the routers' guard.

/** The route's template as written, e.g. /v1/users/:id, without the trailing "/" of a mounted root. */
export function routeTemplate(req: Request): string | undefined {
  if (!req.route) return undefined;
  const path = `${req.baseUrl}${req.route.path === '/' ? '' : req.route.path}`;
  return path === '' ? '/' : path;
}

/** The template recorded for the metrics and logs; `unmatched` when no route answered. */
export function recordedRoute(locals: Record<string, unknown>): string | undefined {
  return typeof locals.route === 'string' ? locals.route : undefined;
}
