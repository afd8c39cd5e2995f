import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { TestServer } from './test-server';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/**
 * A WebAuthn authenticator in software (ES256, P-256): it answers registrations ("none"
 * attestation) and signs assertions the way a security key does, so the server's real verification
 * (signature, challenge, origin, RP ID, counter) runs in Node tests. `install` skips registration
 * and writes the credential as one would.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16).toString('base64url');
  private readonly keys: { publicKey: KeyObject; privateKey: KeyObject } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private counter = 0;

  constructor(
    readonly origin = 'http://localhost:8000',
    readonly rpId = 'localhost',
  ) {}

  /** The public key as COSE (RFC 9053, EC2 P-256, alg ES256), as authenticators hand it over. */
  cosePublicKey(): Buffer {
    const jwk = this.keys.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    const x = Buffer.from(jwk.x, 'base64url');
    const y = Buffer.from(jwk.y, 'base64url');
    // CBOR map(5): 1(kty): 2(EC2), 3(alg): -7(ES256), -1(crv): 1(P-256), -2(x): bytes(32), -3(y): bytes(32).
    return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
  }

  /** Stores this credential as a passkey of `userId`. */
  async install(server: TestServer, userId: string, name = 'Soft key'): Promise<void> {
    await server.orm.em.getConnection().execute(
      `insert into webauthn_credentials (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
       values (?, ?, ?, ?, 0, null, 'singleDevice', false, ?, now(), null)`,
      [randomUUID(), userId, this.credentialId, this.cosePublicKey(), name],
    );
  }

  /** A registration answering `challenge` (navigator.credentials.create's answer, toJSON() shape). */
  attest(challenge: string) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge, origin: this.origin, crossOrigin: false }));
    const credentialId = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    // User present, user verified, attested credential data included; counter 0; AAGUID all zeros.
    const authData = Buffer.concat([sha256(this.rpId), Buffer.from([0x45]), Buffer.alloc(4), Buffer.alloc(16), idLength, credentialId, this.cosePublicKey()]);
    // CBOR map(3): "fmt": "none", "attStmt": {}, "authData": bytes.
    const attestationObject = Buffer.concat([
      Buffer.from([0xa3, 0x63]),
      Buffer.from('fmt'),
      Buffer.from([0x64]),
      Buffer.from('none'),
      Buffer.from([0x67]),
      Buffer.from('attStmt'),
      Buffer.from([0xa0, 0x68]),
      Buffer.from('authData'),
      Buffer.from([0x58, authData.length]),
      authData,
    ]);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: clientDataJSON.toString('base64url'), attestationObject: attestationObject.toString('base64url'), transports: ['usb'] },
    };
  }

  /** An assertion answering `challenge` (PublicKeyCredential.toJSON() shape). */
  assert(challenge: string, options: { userVerified?: boolean; userHandle?: string; signWith?: SoftAuthenticator } = {}) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: this.origin, crossOrigin: false }));
    this.counter += 1;
    const flags = 0x01 | (options.userVerified === false ? 0 : 0x04);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const authenticatorData = Buffer.concat([sha256(this.rpId), Buffer.from([flags]), count]);
    const signer = (options.signWith ?? this).keys.privateKey;
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), signer);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(options.userHandle ? { userHandle: Buffer.from(options.userHandle).toString('base64url') } : {}),
      },
    };
  }
}
