/** A registered passkey as the service sees it. */
export interface StoredPasskey {
  /** Our id (uuid): what list, rename and delete name. */
  id: string;
  userId: string;
  /** The authenticator's credential id, base64url. */
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[] | null;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface PasskeyCredentialStore {
  listByUser(userId: string): Promise<StoredPasskey[]>;
  findByCredentialId(credentialId: string): Promise<StoredPasskey | null>;
  /** False when the credential id is already registered (to anyone). */
  add(passkey: StoredPasskey): Promise<boolean>;
  /**
   * Records a use, only if the counter is still `expectedCounter`: of two assertions racing with
   * the same counter, one wins (the other looks like a replay or a clone).
   */
  recordUse(id: string, expectedCounter: number, update: { counter: number; backedUp: boolean; at: Date }): Promise<boolean>;
  rename(userId: string, id: string, name: string): Promise<boolean>;
  remove(userId: string, id: string): Promise<boolean>;
  removeAll(userId: string): Promise<number>;
}

export class MemoryPasskeyCredentialStore implements PasskeyCredentialStore {
  private readonly byId = new Map<string, StoredPasskey>();

  async listByUser(userId: string): Promise<StoredPasskey[]> {
    return [...this.byId.values()].filter((passkey) => passkey.userId === userId).map((passkey) => ({ ...passkey }));
  }

  async findByCredentialId(credentialId: string): Promise<StoredPasskey | null> {
    const found = [...this.byId.values()].find((passkey) => passkey.credentialId === credentialId);
    return found ? { ...found } : null;
  }

  async add(passkey: StoredPasskey): Promise<boolean> {
    if ([...this.byId.values()].some((other) => other.credentialId === passkey.credentialId)) return false;
    this.byId.set(passkey.id, { ...passkey });
    return true;
  }

  async recordUse(id: string, expectedCounter: number, update: { counter: number; backedUp: boolean; at: Date }): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (!passkey || passkey.counter !== expectedCounter) return false;
    Object.assign(passkey, { counter: update.counter, backedUp: update.backedUp, lastUsedAt: update.at });
    return true;
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (!passkey || passkey.userId !== userId) return false;
    passkey.name = name;
    return true;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (!passkey || passkey.userId !== userId) return false;
    return this.byId.delete(id);
  }

  async removeAll(userId: string): Promise<number> {
    const mine = [...this.byId.values()].filter((passkey) => passkey.userId === userId);
    for (const passkey of mine) this.byId.delete(passkey.id);
    return mine.length;
  }
}
