import { contextOf, requireJsonBody } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import { ACCOUNT_EMAIL_MESSAGES as SAY, type AccountEmailServices } from './account-email.presenter';

/** /v1/auth/email: verification and e-mail change (issue 14). Link tokens come in bodies, never in URLs a log could keep. */
export function accountEmailRouter(services: AccountEmailServices, guard: RouteGuard) {
  const router = canonicalRouter();

  router.post('/verify-request', guard, async (_req, res) => {
    await services.verification.requestVerification(contextOf(res));
    res.status(202).json({ message: SAY.verificationSent });
  });

  router.post('/verify', guard, requireJsonBody, async (req, res) => {
    const { email } = await services.verification.verifyEmail(contextOf(res), req.body);
    res.set('Cache-Control', 'no-store').json({ message: SAY.verified, email });
  });

  router.post('/confirm-change', guard, requireJsonBody, async (req, res) => {
    const { email } = await services.emailChange.confirmEmailChange(contextOf(res), req.body);
    res.set('Cache-Control', 'no-store').json({ message: SAY.emailChanged, email });
  });

  return router;
}
