import type { Actor } from '../../../src/context/request-context';
import { UserRole } from '../../../src/users/user-role';
import { canManageSessions, canSeeSession, type SessionOwner } from '../../../src/auth/sessions/session.policy';

const actor = (id: string, role: UserRole): Actor => ({ id, role, username: id, sessionId: `s-${id}`, tokenId: `t-${id}`, tokenExpiresAt: new Date(0) });
const owner = (id: string, role = UserRole.USER, deletedAt: Date | null = null): SessionOwner => ({ id, role, deletedAt });

const USER = actor('u1', UserRole.USER);
const MODERATOR = actor('m1', UserRole.MODERATOR);
const ADMIN = actor('a1', UserRole.ADMIN);

describe('canSeeSession', () => {
  it('shows a session to its owner and to those who may read the owner', () => {
    expect(canSeeSession(USER, owner('u1'))).toBe(true);
    expect(canSeeSession(ADMIN, owner('u2'))).toBe(true);
    expect(canSeeSession(MODERATOR, owner('u2'))).toBe(true);
  });

  it("hides another plain user's session, exactly like a missing one", () => {
    expect(canSeeSession(USER, owner('u2'))).toBe(false);
    expect(canSeeSession(null, owner('u1'))).toBe(false);
  });

  it('hides the sessions of a deleted account, even from admins', () => {
    expect(canSeeSession(ADMIN, owner('u2', UserRole.USER, new Date()))).toBe(false);
  });

  it('hides a session under another user than the one the caller named (ids compared case-insensitively)', () => {
    const id = 'aaaaaaaa-0000-4000-8000-00000000000a';
    expect(canSeeSession(ADMIN, owner(id), id.toUpperCase())).toBe(true);
    expect(canSeeSession(ADMIN, owner(id), 'bbbbbbbb-0000-4000-8000-00000000000b')).toBe(false);
  });
});

describe('canManageSessions', () => {
  it('lets the owner and admins list and end sessions', () => {
    expect(canManageSessions(USER, owner('u1'))).toBe(true);
    expect(canManageSessions(ADMIN, owner('u2', UserRole.ADMIN))).toBe(true);
  });

  it('refuses moderators, other users and the anonymous', () => {
    expect(canManageSessions(MODERATOR, owner('u2'))).toBe(false);
    expect(canManageSessions(USER, owner('u2'))).toBe(false);
    expect(canManageSessions(null, owner('u1'))).toBe(false);
  });
});
