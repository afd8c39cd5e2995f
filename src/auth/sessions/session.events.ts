/** Domain events of sessions, told to subscribers once the write that caused them has committed. */

/** Why sessions ended, as integrators are told (session.revoked). */
export type SessionEndReason = 'logout' | 'revoked' | 'password_changed' | 'password_reset' | 'deactivated' | 'user_deleted' | 'refresh_reuse' | 'mfa_reset';

/** Sessions of one user whose rows were deleted: a logout, a revocation, a password change, a deactivation... */
export interface SessionsEnded {
  readonly type: 'SessionsEnded';
  readonly sessionIds: readonly string[];
  readonly userId: string;
  readonly reason: SessionEndReason;
}

/** A sign-in completed and opened a session (not a refresh, which only rotates its token). */
export interface SessionOpened {
  readonly type: 'SessionOpened';
  readonly sessionId: string;
  readonly userId: string;
  /** The proof: a password alone, a password and a second factor, or a passkey. */
  readonly method: 'password' | 'mfa' | 'passkey';
}

/** A live session whose row changed (a rotated refresh token, a new security stamp): cached copies are stale. */
export interface SessionChanged {
  readonly type: 'SessionChanged';
  readonly sessionId: string;
}

export type SessionEvent = SessionsEnded | SessionOpened | SessionChanged;
