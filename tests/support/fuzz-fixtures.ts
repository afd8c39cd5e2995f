import { UserRole } from '../../src/users/user-role';
import { WriteGuard } from './abuse';
import { decodeToken } from './auth';
import { seedUser, type SeededUser, signedIn, type SignedIn } from './factories';
import type { TestServerHandle } from './use-test-server';

/** The users and sessions both fuzzers aim at, and the guard that watches the database around them. */
export interface FuzzFixtures {
  guard: WriteGuard;
  /** A plain user who acts on themselves. */
  owner: SignedIn;
  /** The plain user the admin acts on (deactivating or re-passwording it harms no other fixture). */
  adminTarget: SeededUser;
  /** Another plain user, the admin's "someone else": also disposable. */
  adminOther: SeededUser;
  loginVictim: SeededUser;
  adminSessionId: string;
  /** A session of a third user, never reachable under the ids the fuzzer uses. */
  donorSessionId: string;
}

/** Seeds a fuzzer's fixtures on the file's own server, then takes the database's baseline. */
export async function seedFuzzFixtures(ctx: TestServerHandle): Promise<FuzzFixtures> {
  const owner = await signedIn(ctx.server, ctx.api, UserRole.USER);
  const adminTarget = await seedUser(ctx.server);
  const adminOther = await seedUser(ctx.server);
  const loginVictim = await seedUser(ctx.server);
  const adminSessionId = decodeToken(ctx.admin.token).sid;
  const donorSessionId = decodeToken((await signedIn(ctx.server, ctx.api, UserRole.USER)).token).sid;
  const guard = new WriteGuard(ctx.server);
  await guard.baseline();
  return { guard, owner, adminTarget, adminOther, loginVictim, adminSessionId, donorSessionId };
}
