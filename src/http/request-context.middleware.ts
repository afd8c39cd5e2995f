import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { LazyRequestContext } from './lazy-request-context';
import type { RequestContext } from '../context/request-context';
import { UnauthenticatedError } from '../platform/errors/domain.errors';
import type { Logger } from '../platform/observability/logger';
import { setRequestSpanAttributes } from '../platform/observability/span-attributes';
import type { AuthService } from '../auth/auth.service';
import { refuseToken } from '../auth/tokens/token.refusal';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes a well-formed incoming X-Request-Id or makes one, echoes it, and logs one line per request. */
export function requestIdAndLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      // At LOG_LEVEL=warn (production) a 200's line would be built only to be dropped.
      if (!logger.isLevelEnabled(level)) return;
      const ctx = res.locals.ctx as RequestContext | undefined;
      const line = {
        request_id: requestId,
        user_id: ctx?.actor?.id ?? null,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status,
        duration_ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
        ...(ctx?.logFields.operation ? { operation: ctx.logFields.operation } : {}),
      };
      logger[level](line, `${req.method} ${line.path} ${status}`);
    });
    next();
  };
}

/**
 * Builds the one RequestContext of this request: its own EntityManager and loaders (made when first
 * used), and the actor proven by the bearer token. A token that is present and not accepted is kept
 * as its refusal (decided once, by refuseToken) for each door to render in its own format; a cause
 * no refusal expects is reported here, once, with the request id.
 */
export function requestContext(orm: MikroORM, auth: AuthService, reportUnexpected: (error: unknown, requestId: string) => void): RequestHandler {
  const fork = () => orm.em.fork();
  return async (req, res, next) => {
    const ctx = new LazyRequestContext(
      fork,
      res.locals.requestId as string,
      req.ip ?? req.socket.remoteAddress ?? 'unknown',
      typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    );
    res.locals.ctx = ctx;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(header);
      try {
        if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
        ctx.actor = await auth.authenticate(ctx, match[1]);
      } catch (error) {
        const refusal = refuseToken(error);
        if (refusal.unexpected) reportUnexpected(error, ctx.requestId);
        res.locals.tokenRefusal = refusal;
      }
    }
    setRequestSpanAttributes({ 'app.request_id': ctx.requestId, ...(ctx.actor ? { 'enduser.id': ctx.actor.id } : {}) });
    next();
  };
}
