import { randomUUID } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { PasskeyCredentialStore, StoredPasskey } from './passkey-credential.store';
import type { WebAuthnChallengeStore } from './webauthn-challenge.store';
import type { WebAuthnSettings } from './webauthn.settings';

/** What list answers: nothing secret, nothing that identifies the authenticator beyond its name. */
export interface PasskeyView {
  id: string;
  name: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type PasskeyRegistrationResult = { ok: true; passkey: PasskeyView } | { ok: false; reason: 'challenge' | 'invalid' | 'duplicate' };

/**
 * `challenge`: unknown, expired, used, or made for another ceremony or user. `unknown-credential`:
 * no such passkey (deleted?). `counter`: the signature counter did not grow: a cloned authenticator
 * or a replayed assertion, which the library's advice is to refuse and flag; audit it.
 */
export type PasskeyAuthenticationResult = { ok: true; userId: string; passkeyId: string; userVerified: boolean } | { ok: false; reason: 'challenge' | 'unknown-credential' | 'invalid' | 'counter'; userId?: string };

export interface PasskeyUser {
  id: string;
  /** Shown by the authenticator's account chooser. */
  username: string;
  displayName: string;
}

/** Long enough to touch a key or find the phone; a challenge not answered by then is gone. */
const CHALLENGE_TTL_MS = 2 * 60 * 1000;
/**
 * EdDSA, ES256, RS256: what every authenticator offers. Named here rather than left to the library,
 * whose default probes the runtime for post-quantum algorithms through an experimental Web Crypto
 * API (a warning on stderr at the first ceremony) and would change with the Node version.
 */
const ALGORITHMS = [-8, -7, -257];
const MAX_NAME = 64;

/**
 * WebAuthn ceremonies with @simplewebauthn/server. Each challenge is stored with what it is for
 * (`reg:<userId>`, `login:` for a passkey-only sign-in, `mfa:<userId>` for a second factor) and
 * taken once while the response is verified, so it can be answered once, by the ceremony and user
 * it was made for, within 2 minutes.
 */
export class PasskeyService {
  constructor(
    private readonly settings: WebAuthnSettings,
    private readonly challenges: WebAuthnChallengeStore,
    private readonly credentials: PasskeyCredentialStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async registrationOptions(user: PasskeyUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.credentials.listByUser(user.id);
    const options = await generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userName: user.username,
      userDisplayName: user.displayName,
      // The user handle is the user id, which a discoverable sign-in hands back; no personal data in it.
      userID: new TextEncoder().encode(user.id),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports ?? undefined })),
      // A resident key is what lets a passkey sign in without a username.
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await this.challenges.put(options.challenge, `reg:${user.id}`, CHALLENGE_TTL_MS);
    return options;
  }

  async verifyRegistration(userId: string, response: RegistrationResponseJSON, name?: string): Promise<PasskeyRegistrationResult> {
    let challengeMatched = false;
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: async (challenge) => (challengeMatched = (await this.challenges.take(challenge)) === `reg:${userId}`),
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch {
      return { ok: false, reason: challengeMatched ? 'invalid' : 'challenge' };
    }
    if (!verification.verified) return { ok: false, reason: 'invalid' };
    const info = verification.registrationInfo;
    const passkey: StoredPasskey = {
      id: randomUUID(),
      userId,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: info.credential.transports ?? null,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name: cleanName(name) ?? `Passkey ${this.now().toISOString().slice(0, 10)}`,
      createdAt: this.now(),
      lastUsedAt: null,
    };
    if (!(await this.credentials.add(passkey))) return { ok: false, reason: 'duplicate' };
    return { ok: true, passkey: view(passkey) };
  }

  /**
   * Options for `navigator.credentials.get`. Without a user: a passkey-only sign-in, any of the
   * RP's discoverable passkeys, user verification required (the passkey is both factors). With
   * one: the second factor after a password, limited to that user's passkeys.
   */
  async authenticationOptions(forUserId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = forUserId ? (await this.credentials.listByUser(forUserId)).map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports ?? undefined })) : undefined;
    const options = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: allow,
      timeout: CHALLENGE_TTL_MS,
      userVerification: forUserId ? 'preferred' : 'required',
    });
    await this.challenges.put(options.challenge, forUserId ? `mfa:${forUserId}` : 'login:', CHALLENGE_TTL_MS);
    return options;
  }

  async verifyAuthentication(response: AuthenticationResponseJSON, forUserId?: string): Promise<PasskeyAuthenticationResult> {
    const passkey = await this.credentials.findByCredentialId(response.id);
    if (!passkey) {
      // The challenge dies with the attempt all the same.
      await this.takeChallengeOf(response);
      return { ok: false, reason: 'unknown-credential' };
    }
    if (forUserId !== undefined && passkey.userId !== forUserId) {
      await this.takeChallengeOf(response);
      return { ok: false, reason: 'unknown-credential' };
    }
    // A discoverable credential names its user; it must be the passkey's owner.
    const userHandle = response.response.userHandle;
    if (userHandle && Buffer.from(userHandle, 'base64url').toString('utf8') !== passkey.userId) {
      await this.takeChallengeOf(response);
      return { ok: false, reason: 'invalid', userId: passkey.userId };
    }
    const expected = forUserId !== undefined ? `mfa:${forUserId}` : 'login:';
    let challengeMatched = false;
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: async (challenge) => (challengeMatched = (await this.challenges.take(challenge)) === expected),
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports ?? undefined },
        requireUserVerification: forUserId === undefined,
      });
    } catch (error) {
      if (!challengeMatched) return { ok: false, reason: 'challenge', userId: passkey.userId };
      // The library refuses a counter that did not grow (its clone detection) by throwing.
      return { ok: false, reason: /counter/i.test((error as Error).message) ? 'counter' : 'invalid', userId: passkey.userId };
    }
    if (!verification.verified) return { ok: false, reason: 'invalid', userId: passkey.userId };
    const info = verification.authenticationInfo;
    const recorded = await this.credentials.recordUse(passkey.id, passkey.counter, { counter: info.newCounter, backedUp: info.credentialBackedUp, at: this.now() });
    // Another assertion with the same counter got there first: only a copy could have made both.
    if (!recorded && (passkey.counter > 0 || info.newCounter > 0)) return { ok: false, reason: 'counter', userId: passkey.userId };
    return { ok: true, userId: passkey.userId, passkeyId: passkey.id, userVerified: info.userVerified };
  }

  async list(userId: string): Promise<PasskeyView[]> {
    return (await this.credentials.listByUser(userId)).map(view);
  }

  async rename(userId: string, passkeyId: string, name: string): Promise<boolean> {
    const cleaned = cleanName(name);
    return cleaned !== null && this.credentials.rename(userId, passkeyId, cleaned);
  }

  async remove(userId: string, passkeyId: string): Promise<boolean> {
    return this.credentials.remove(userId, passkeyId);
  }

  /** Reads the challenge the browser signed, to spend it when the attempt fails before verification. */
  private async takeChallengeOf(response: AuthenticationResponseJSON): Promise<void> {
    try {
      const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
      if (typeof clientData.challenge === 'string') await this.challenges.take(clientData.challenge);
    } catch {
      // Not even client data: nothing to spend.
    }
  }
}

function view(passkey: StoredPasskey): PasskeyView {
  return { id: passkey.id, name: passkey.name, deviceType: passkey.deviceType, backedUp: passkey.backedUp, createdAt: passkey.createdAt, lastUsedAt: passkey.lastUsedAt };
}

/** Printable, trimmed, at most 64 characters; null when nothing is left. */
export function cleanName(name: string | undefined): string | null {
  if (name === undefined) return null;
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME);
  return cleaned === '' ? null : cleaned;
}
