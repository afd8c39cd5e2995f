/** Domain events of users, told to subscribers once the write that caused them has committed. */

export interface UserCreated {
  readonly type: 'UserCreated';
  readonly userId: string;
  /** The welcome mail with its verification link goes out (not when an admin said sendEmail: false, or vouched for the address). */
  readonly sendWelcome: boolean;
}

export interface UserChanged {
  readonly type: 'UserChanged';
  readonly userId: string;
  /** Names of the fields that changed (never their values: a password is among them). */
  readonly fields: readonly string[];
}

/** Told apart from UserChanged so integrators hear of it (the event outbox): who may do what changed. */
export interface UserRoleChanged {
  readonly type: 'UserRoleChanged';
  readonly userId: string;
  readonly from: string;
  readonly to: string;
}

/** The account may (active) or may no longer sign in. */
export interface UserActivationChanged {
  readonly type: 'UserActivationChanged';
  readonly userId: string;
  readonly active: boolean;
}

/**
 * A new password was set (not a rehash at login, which UserChanged also reports as 'password'):
 * by its owner, an admin, a reset link, or an operator's command.
 */
export interface PasswordChanged {
  readonly type: 'PasswordChanged';
  readonly userId: string;
  readonly via: 'self' | 'admin' | 'reset' | 'operator';
}

export interface UserDeleted {
  readonly type: 'UserDeleted';
  readonly userId: string;
}

/** A new mailbox, not merely another spelling of the old one; it is unverified now. */
export interface EmailAddressChanged {
  readonly type: 'EmailAddressChanged';
  readonly userId: string;
  readonly email: string;
  readonly previousEmail: string;
  /** Confirmed by its owner's link, or vouched for by an admin: no verification mail then. */
  readonly verified: boolean;
  /** An admin's change: the old address is told it was applied (an owner's was told when it was asked for). */
  readonly byAdmin: boolean;
}

/** Owners ask; the change waits in pendingEmail until the link mailed to the new address is used. */
export interface EmailChangeRequested {
  readonly type: 'EmailChangeRequested';
  readonly userId: string;
  readonly newEmail: string;
  readonly currentEmail: string;
}

/** The user (signed in) asked for a new verification link. */
export interface EmailVerificationRequested {
  readonly type: 'EmailVerificationRequested';
  readonly userId: string;
}

/** The address was confirmed with its link. */
export interface EmailVerified {
  readonly type: 'EmailVerified';
  readonly userId: string;
}

/** Someone asked for a reset link for this user's address (they are not told whether it exists). */
export interface PasswordResetRequested {
  readonly type: 'PasswordResetRequested';
  readonly userId: string;
}

export type UserEvent = UserCreated | UserChanged | UserRoleChanged | UserActivationChanged | PasswordChanged | UserDeleted | EmailAddressChanged | EmailChangeRequested | EmailVerificationRequested | EmailVerified | PasswordResetRequested;
