import type { TokenPair } from '../auth/auth.service';
import { contextOf, requireJsonBody } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import type { MfaAccountService } from './mfa-account.service';
import type { MfaLoginService } from './mfa-login.service';

export interface MfaDoorServices {
  mfaAccounts: MfaAccountService;
  mfaLogins: MfaLoginService;
}

function presentTokens(pair: TokenPair) {
  return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, tokenType: pair.tokenType, expiresIn: pair.expiresIn };
}

/** /v1/auth/mfa: enrolment, management and the login's second step. Secrets and codes are never cached. */
export function mfaRouter({ mfaAccounts, mfaLogins }: MfaDoorServices, guard: RouteGuard) {
  const router = canonicalRouter();

  router.get('/', guard, async (_req, res) => {
    res.json(await mfaAccounts.status(contextOf(res)));
  });

  router.post('/totp/setup', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await mfaAccounts.beginTotpSetup(contextOf(res)));
  });

  router.post('/totp/confirm', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await mfaAccounts.confirmTotp(contextOf(res), req.body));
  });

  router.delete('/totp', guard, async (_req, res) => {
    await mfaAccounts.disableTotp(contextOf(res));
    res.status(204).end();
  });

  router.post('/recovery-codes', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await mfaAccounts.regenerateRecoveryCodes(contextOf(res)));
  });

  router.post('/verify', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentTokens(await mfaLogins.verify(contextOf(res), req.body)));
  });

  // A passkey as the second factor: options for navigator.credentials.get, answered at /verify as `webauthn`.
  router.post('/webauthn/options', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await mfaLogins.passkeyOptions(contextOf(res), req.body));
  });

  return router;
}

/** /v1/users/{id}/mfa: an admin removes every second factor of a user (audited, step-up). Mounted at /v1. */
export function userMfaRouter({ mfaAccounts }: Pick<MfaDoorServices, 'mfaAccounts'>, guard: RouteGuard) {
  const router = canonicalRouter();

  router.delete('/users/:id/mfa', guard, async (req, res) => {
    await mfaAccounts.reset(contextOf(res), String(req.params.id));
    res.status(204).end();
  });

  return router;
}
