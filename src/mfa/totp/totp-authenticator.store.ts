/** A user's TOTP authenticator as the enrolment needs it: the sealed secret and whether it is on. */
export interface TotpAuthenticator {
  secretSealed: string;
  confirmed: boolean;
}

export interface TotpAuthenticatorStore {
  get(userId: string): Promise<TotpAuthenticator | null>;
  /**
   * Keeps a new, unconfirmed secret, replacing an earlier unconfirmed one (a setup started again);
   * false when the user's authenticator is already confirmed (it must be turned off first).
   */
  saveUnconfirmed(userId: string, secretSealed: string): Promise<boolean>;
  /** Turns it on; false when there is no unconfirmed one (already on, or never set up). */
  confirm(userId: string, at: Date): Promise<boolean>;
  /** True when there was one. */
  remove(userId: string): Promise<boolean>;
}

export class MemoryTotpAuthenticatorStore implements TotpAuthenticatorStore {
  private readonly byUser = new Map<string, TotpAuthenticator>();

  async get(userId: string): Promise<TotpAuthenticator | null> {
    const found = this.byUser.get(userId);
    return found ? { ...found } : null;
  }

  async saveUnconfirmed(userId: string, secretSealed: string): Promise<boolean> {
    if (this.byUser.get(userId)?.confirmed) return false;
    this.byUser.set(userId, { secretSealed, confirmed: false });
    return true;
  }

  async confirm(userId: string): Promise<boolean> {
    const found = this.byUser.get(userId);
    if (!found || found.confirmed) return false;
    found.confirmed = true;
    return true;
  }

  async remove(userId: string): Promise<boolean> {
    return this.byUser.delete(userId);
  }
}
