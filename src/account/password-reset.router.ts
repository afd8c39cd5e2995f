import { contextOf, requireJsonBody } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import { ACCOUNT_EMAIL_MESSAGES as SAY, type AccountEmailServices } from './account-email.presenter';

/** /v1/auth/password: a forgotten password (issue 14). */
export function passwordResetRouter(services: Pick<AccountEmailServices, 'passwordReset'>, guard: RouteGuard) {
  const router = canonicalRouter();

  router.post('/forgot', guard, requireJsonBody, async (req, res) => {
    await services.passwordReset.requestReset(contextOf(res), req.body);
    res.status(202).set('Cache-Control', 'no-store').json({ message: SAY.resetRequested });
  });

  router.post('/reset', guard, requireJsonBody, async (req, res) => {
    await services.passwordReset.resetPassword(contextOf(res), req.body);
    res.set('Cache-Control', 'no-store').json({ message: SAY.passwordReset });
  });

  return router;
}
