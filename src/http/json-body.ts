import type { RequestHandler } from 'express';
import { MalformedInputError } from '../platform/errors/domain.errors';
import type { RequestContext } from '../context/request-context';
import type { Response } from 'express';

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

/** Write routes take JSON only; anything else is refused before it reaches a service. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!req.is(JSON_TYPES)) {
    next(new MalformedInputError('The body must be JSON, sent with Content-Type: application/json.'));
    return;
  }
  next();
};

export function contextOf(res: Response): RequestContext {
  return res.locals.ctx as RequestContext;
}
