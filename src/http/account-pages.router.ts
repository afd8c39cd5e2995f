import { type RequestHandler, Router } from 'express';
import { ACCOUNT_CSS, LOGIN_PAGE, SECURITY_PAGE } from './account-pages/account-pages.html';
import { ACCOUNT_SCRIPT } from './account-pages/account.script';
import { CONFIRM_EMAIL_PAGE, FORGOT_PASSWORD_PAGE, RESET_PASSWORD_PAGE, VERIFY_EMAIL_PAGE } from './account-pages/email-links.html';
import { EMAIL_LINKS_SCRIPT } from './account-pages/email-links.script';

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
 * The pages that mail links open (and forgot-password) are where ACCOUNT_LINK_BASE_URL points by default.
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

  // Their URL holds a one-time token: never stored by a cache, never sent on as a Referer (helmet's
  // default says no-referrer too, but these pages must not depend on how the app is assembled).
  const linkPage =
    (content: string): RequestHandler =>
    (req, res, next) => {
      res.setHeader('Referrer-Policy', 'no-referrer');
      send('html', content, 'no-store')(req, res, next);
    };
  router.get('/account/verify-email', linkPage(VERIFY_EMAIL_PAGE));
  router.get('/account/confirm-email', linkPage(CONFIRM_EMAIL_PAGE));
  router.get('/account/reset-password', linkPage(RESET_PASSWORD_PAGE));
  router.get('/account/forgot-password', linkPage(FORGOT_PASSWORD_PAGE));
  router.get('/account/email-links.js', send('application/javascript', EMAIL_LINKS_SCRIPT, 'no-cache'));
  return router;
}
