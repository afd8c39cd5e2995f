import { MemoryTotpReplayGuard, replayMemorySeconds } from '../../../src/mfa/totp/totp-replay.guard';
import { describeTotpReplayGuardConformance, randomUserId } from '../../support/totp-replay-guard-conformance';

describeTotpReplayGuardConformance('in process', async () => ({ guard: new MemoryTotpReplayGuard(), newUser: randomUserId, close: async () => {} }));

describe('MemoryTotpReplayGuard', () => {
  it('forgets a step only after it could no longer be accepted (4 periods)', async () => {
    const time = { ms: 0 };
    const guard = new MemoryTotpReplayGuard(30, () => time.ms);
    expect(replayMemorySeconds(30)).toBe(120);
    expect(await guard.claim('u', 10)).toBe(true);
    time.ms = 119_999;
    expect(await guard.claim('u', 10)).toBe(false);
    time.ms = 120_000;
    expect(await guard.claim('u', 10)).toBe(true);
  });
});
