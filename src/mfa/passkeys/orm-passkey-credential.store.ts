import type { EntityManager } from '@mikro-orm/core';
import type { PasskeyCredentialStore, StoredPasskey } from './passkey-credential.store';
import { WebAuthnCredential } from './webauthn-credential.entity';

/** webauthn_credentials through the request's EntityManager. */
export class OrmPasskeyCredentialStore implements PasskeyCredentialStore {
  constructor(private readonly em: EntityManager) {}

  async listByUser(userId: string): Promise<StoredPasskey[]> {
    return (await this.em.fork({ keepTransactionContext: true }).find(WebAuthnCredential, { user: userId }, { orderBy: { createdAt: 'asc' } })).map(stored);
  }

  async findByCredentialId(credentialId: string): Promise<StoredPasskey | null> {
    const row = await this.em.fork({ keepTransactionContext: true }).findOne(WebAuthnCredential, { credentialId });
    return row ? stored(row) : null;
  }

  async add(passkey: StoredPasskey): Promise<boolean> {
    // The unique credential id decides between two registrations of one authenticator.
    const inserted = await this.em.getConnection().execute<{ id: string }[]>(
      `insert into webauthn_credentials (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (credential_id) do nothing returning id`,
      [passkey.id, passkey.userId, passkey.credentialId, Buffer.from(passkey.publicKey), String(passkey.counter), passkey.transports ? JSON.stringify(passkey.transports) : null, passkey.deviceType, passkey.backedUp, passkey.name, passkey.createdAt, passkey.lastUsedAt],
      'all',
      // Inside a command's transaction, in it: it commits or rolls back with the audit row.
      this.em.getTransactionContext(),
    );
    return inserted.length === 1;
  }

  async recordUse(id: string, expectedCounter: number, update: { counter: number; backedUp: boolean; at: Date }): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      WebAuthnCredential,
      { id, counter: String(expectedCounter) },
      { counter: String(update.counter), backedUp: update.backedUp, lastUsedAt: update.at },
    );
    return updated === 1;
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    return (await this.em.nativeUpdate(WebAuthnCredential, { id, user: userId }, { name })) === 1;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    return (await this.em.nativeDelete(WebAuthnCredential, { id, user: userId })) === 1;
  }

  async removeAll(userId: string): Promise<number> {
    return this.em.nativeDelete(WebAuthnCredential, { user: userId });
  }
}

function stored(row: WebAuthnCredential): StoredPasskey {
  return {
    id: row.id,
    userId: row.user.id,
    credentialId: row.credentialId,
    publicKey: new Uint8Array(row.publicKey),
    counter: Number(row.counter),
    transports: row.transports,
    deviceType: row.deviceType as StoredPasskey['deviceType'],
    backedUp: row.backedUp,
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}
