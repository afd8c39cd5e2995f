import type { TokenPair } from '../auth/auth.service';
import { contextOf, requireJsonBody } from '../http/json-body';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';
import type { PasskeyAccountService } from './passkeys/passkey-account.service';

function presentTokens(pair: TokenPair) {
  return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, tokenType: pair.tokenType, expiresIn: pair.expiresIn };
}

/** /v1/auth/passkeys: the signed-in user's passkeys, and signing in with one (no username asked). */
export function passkeysRouter(passkeys: PasskeyAccountService, guard: RouteGuard) {
  const router = canonicalRouter();

  // Options carry a fresh single-use challenge: never cached.
  router.post('/register/options', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await passkeys.registrationOptions(contextOf(res)));
  });

  router.post('/register/verify', guard, requireJsonBody, async (req, res) => {
    res.status(201).json(await passkeys.register(contextOf(res), req.body));
  });

  router.get('/', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ data: await passkeys.list(contextOf(res)) });
  });

  router.patch('/:id', guard, requireJsonBody, async (req, res) => {
    res.json(await passkeys.rename(contextOf(res), req.params.id as string, req.body));
  });

  router.delete('/:id', guard, async (req, res) => {
    await passkeys.remove(contextOf(res), req.params.id as string);
    res.status(204).end();
  });

  router.post('/login/options', guard, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await passkeys.loginOptions(contextOf(res)));
  });

  router.post('/login/verify', guard, requireJsonBody, async (req, res) => {
    res.set('Cache-Control', 'no-store').json(presentTokens(await passkeys.login(contextOf(res), req.body)));
  });

  return router;
}
