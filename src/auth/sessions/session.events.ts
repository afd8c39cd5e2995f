/** Domain events of sessions, told to subscribers once the write that caused them has committed. */

/** Sessions whose rows were deleted: a logout, a revocation, a password change, a deactivation... */
export interface SessionsEnded {
  readonly type: 'SessionsEnded';
  readonly sessionIds: readonly string[];
}

/** A live session whose row changed (a rotated refresh token, a new security stamp): cached copies are stale. */
export interface SessionChanged {
  readonly type: 'SessionChanged';
  readonly sessionId: string;
}

export type SessionEvent = SessionsEnded | SessionChanged;
