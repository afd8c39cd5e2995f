import { type RequestHandler, Router } from 'express';
import { ACCOUNT_CSS, LOGIN_PAGE, SECURITY_PAGE } from './account-pages/account-pages.html';
import { ACCOUNT_SCRIPT } from './account-pages/account.script';

/**
 * The same policy in development and production (helmet's development default is none): scripts and
 * styles from this server only, no inline code, calls to this API only; the TOTP QR code is a data:
 * image. The pages hold tokens, so nothing may frame them.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * /account/login (password, second factor, or passkey) and /account/security (passkeys, TOTP,
 * recovery codes): pages so passkeys work without a frontend of one's own. They only call /v1.
 */
export function accountPagesRouter(): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const send =
    (type: string, content: string, cache: string): RequestHandler =>
    (_req, res) => {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.type(type).set('Cache-Control', cache).send(content);
    };
  router.get('/account/login', send('html', LOGIN_PAGE, 'no-cache'));
  router.get('/account/security', send('html', SECURITY_PAGE, 'no-cache'));
  router.get('/account/account.js', send('application/javascript', ACCOUNT_SCRIPT, 'no-cache'));
  router.get('/account/account.css', send('text/css', ACCOUNT_CSS, 'no-cache'));
  return router;
}
