import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's defaults (HSTS, nosniff, frame-deny, no referrer, ...). In development the Content
 * Security Policy is relaxed so the Apollo Sandbox page can load its scripts.
 */
export function securityHeaders(isProduction: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: isProduction ? undefined : false,
    crossOriginEmbedderPolicy: false,
  });
}
