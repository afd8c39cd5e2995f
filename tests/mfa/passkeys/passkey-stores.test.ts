import { MemoryPasskeyCredentialStore } from '../../../src/mfa/passkeys/passkey-credential.store';
import { MemoryWebAuthnChallengeStore } from '../../../src/mfa/passkeys/webauthn-challenge.store';
import { describePasskeyStoreConformance, describeWebAuthnChallengeStoreConformance } from '../../support/passkey-store-conformance';
import { randomUserId } from '../../support/totp-replay-guard-conformance';

describePasskeyStoreConformance('in process', async () => ({ store: new MemoryPasskeyCredentialStore(), newUser: randomUserId, close: async () => {} }));
describeWebAuthnChallengeStoreConformance('in process', async () => ({ store: new MemoryWebAuthnChallengeStore(), close: async () => {} }));
