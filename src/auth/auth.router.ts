import type { AuthService, LoginResult, TokenPair } from './auth.service';
import { isMfaRequired, requireActor } from './auth.service';
import { contextOf, requireJsonBody } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';

function presentTokens(pair: TokenPair) {
  return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, tokenType: pair.tokenType, expiresIn: pair.expiresIn };
}

/** With MFA on, no tokens: the challenge the client finishes at POST /v1/auth/mfa/verify. */
function presentLogin(result: LoginResult) {
  if (isMfaRequired(result)) return { mfaRequired: true, mfaToken: result.mfaToken, methods: result.methods, expiresIn: result.expiresIn };
  return presentTokens(result);
}

/** /v1/auth: the seed's AuthController. */
export function authRouter(auth: AuthService, guard: RouteGuard) {
  const router = canonicalRouter();

  router.post('/login', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentLogin(await auth.login(contextOf(res), req.body)));
  });

  router.post('/refresh', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentTokens(await auth.refresh(contextOf(res), req.body)));
  });

  router.post('/logout', guard, async (_req, res) => {
    await auth.logout(contextOf(res));
    res.status(204).end();
  });

  router.post('/logout-all', guard, async (_req, res) => {
    const ended = await auth.logoutAll(contextOf(res));
    res.json({ sessionsEnded: ended });
  });

  router.get('/validate', guard, (_req, res) => {
    const actor = requireActor(contextOf(res));
    res.json({
      valid: true,
      user: { id: actor.id, username: actor.username, role: actor.role },
      sessionId: actor.sessionId,
      expiresAt: actor.tokenExpiresAt.toISOString(),
    });
  });

  return router;
}
