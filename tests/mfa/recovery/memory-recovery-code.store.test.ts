import { MemoryRecoveryCodeStore } from '../../../src/mfa/recovery/recovery-code.store';
import { describeRecoveryCodeStoreConformance } from '../../support/recovery-code-store-conformance';
import { randomUserId } from '../../support/totp-replay-guard-conformance';

describeRecoveryCodeStoreConformance('in process', async () => ({ store: new MemoryRecoveryCodeStore(), newUser: randomUserId, close: async () => {} }));
