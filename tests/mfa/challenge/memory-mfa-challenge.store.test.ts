import { MemoryMfaChallengeStore } from '../../../src/mfa/challenge/mfa-challenge.store';
import { describeMfaChallengeStoreConformance } from '../../support/mfa-challenge-store-conformance';

describeMfaChallengeStoreConformance('in process', async () => ({ store: new MemoryMfaChallengeStore(), close: async () => {} }));
