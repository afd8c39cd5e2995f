/** Domain events of users, told to subscribers once the write that caused them has committed. */

export interface UserCreated {
  readonly type: 'UserCreated';
  readonly userId: string;
}

export interface UserChanged {
  readonly type: 'UserChanged';
  readonly userId: string;
  /** Names of the fields that changed (never their values: a password is among them). */
  readonly fields: readonly string[];
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
}

export type UserEvent = UserCreated | UserChanged | UserDeleted | EmailAddressChanged;
