import { Secret, TOTP, URI } from 'otpauth';
import { TotpFactor } from '../../../src/mfa/totp/totp.factor';
import { MemoryTotpReplayGuard } from '../../../src/mfa/totp/totp-replay.guard';

const USER = '00000000-0000-4000-8000-000000000001';
/** The RFC 6238 test secret ("12345678901234567890"), so codes can be checked against the RFC's table. */
const RFC_SECRET = Secret.fromUTF8('12345678901234567890').base32;

function factorAt(time: { ms: number }) {
  const clock = () => time.ms;
  return new TotpFactor({ issuer: 'User API', replayGuard: new MemoryTotpReplayGuard(30, clock), now: clock });
}

describe('TotpFactor', () => {
  it('matches the RFC 6238 SHA-1 test vectors (6-digit truncation)', () => {
    const time = { ms: 59_000 };
    const factor = factorAt(time);
    expect(factor.generate(RFC_SECRET)).toBe('287082');
    time.ms = 1_111_111_109_000;
    expect(factor.generate(RFC_SECRET)).toBe('081804');
    time.ms = 2_000_000_000_000;
    expect(factor.generate(RFC_SECRET)).toBe('279037');
  });

  describe('setup', () => {
    it('answers a fresh 160-bit base32 secret, its otpauth URL and an SVG QR code of it', async () => {
      const factor = factorAt({ ms: Date.now() });
      const setup = await factor.setup('alice@example.com');
      expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(Buffer.from(Secret.fromBase32(setup.secret).buffer)).toHaveLength(20);
      const parsed = URI.parse(setup.otpauthUrl) as TOTP;
      expect(parsed).toBeInstanceOf(TOTP);
      expect(parsed).toMatchObject({ issuer: 'User API', label: 'alice@example.com', algorithm: 'SHA1', digits: 6, period: 30 });
      expect(parsed.secret.base32).toBe(setup.secret);
      expect(setup.qrCodeSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(setup.qrCodeSvg).toContain('<path');
      expect((await factor.setup('alice@example.com')).secret).not.toBe(setup.secret);
    });
  });

  describe('verify', () => {
    const start = 1_800_000_000_000 + 5_000; // 5 s into a step
    let time: { ms: number };
    let factor: TotpFactor;
    let secret: string;

    beforeEach(async () => {
      time = { ms: start };
      factor = factorAt(time);
      secret = (await factor.setup('alice')).secret;
    });

    it('accepts the current code once and reports its step', async () => {
      const code = factor.generate(secret);
      expect(await factor.verify(USER, secret, code)).toEqual({ ok: true, step: Math.floor(start / 30_000) });
    });

    it('refuses the same code again within its window (no replay), even 60 s later', async () => {
      const code = factor.generate(secret);
      expect((await factor.verify(USER, secret, code)).ok).toBe(true);
      expect(await factor.verify(USER, secret, code)).toEqual({ ok: false, reason: 'replayed' });
      time.ms += 30_000;
      expect(await factor.verify(USER, secret, code)).toEqual({ ok: false, reason: 'replayed' });
    });

    it('refuses an older code once a newer one was used', async () => {
      const previous = factor.generate(secret, -1);
      expect((await factor.verify(USER, secret, factor.generate(secret))).ok).toBe(true);
      expect(await factor.verify(USER, secret, previous)).toEqual({ ok: false, reason: 'replayed' });
    });

    it('accepts the next code after a used one', async () => {
      expect((await factor.verify(USER, secret, factor.generate(secret))).ok).toBe(true);
      time.ms += 30_000;
      expect((await factor.verify(USER, secret, factor.generate(secret))).ok).toBe(true);
    });

    it('allows ±1 step of clock drift and no more', async () => {
      expect((await factor.verify(USER, secret, factor.generate(secret, -1))).ok).toBe(true);
      expect((await factor.verify('other-user-1', secret, factor.generate(secret, 1))).ok).toBe(true);
      expect(await factor.verify('other-user-2', secret, factor.generate(secret, -2))).toEqual({ ok: false, reason: 'wrong' });
      expect(await factor.verify('other-user-3', secret, factor.generate(secret, 2))).toEqual({ ok: false, reason: 'wrong' });
    });

    it('claims the matched step, not the current one, for a drifted code', async () => {
      expect(await factor.verify(USER, secret, factor.generate(secret, 1))).toEqual({ ok: true, step: Math.floor(start / 30_000) + 1 });
      // The current code is now older than the step used: refused.
      expect(await factor.verify(USER, secret, factor.generate(secret))).toEqual({ ok: false, reason: 'replayed' });
    });

    it('refuses a wrong code, and a code of another secret', async () => {
      const other = (await factor.setup('bob')).secret;
      expect(await factor.verify(USER, secret, factor.generate(other))).toEqual({ ok: false, reason: 'wrong' });
      const code = factor.generate(secret);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      expect(await factor.verify(USER, secret, wrong)).toEqual({ ok: false, reason: 'wrong' });
    });

    it('a wrong code does not use up the step: the right code still works after it', async () => {
      expect((await factor.verify(USER, secret, '000000')).ok).toBe(false);
      expect((await factor.verify(USER, secret, factor.generate(secret))).ok).toBe(true);
    });

    it.each(['', '12345', '1234567', 'abcdef', '12 34 5x', '١٢٣٤٥٦'])('refuses %j as malformed', async (code) => {
      expect(await factor.verify(USER, secret, code)).toEqual({ ok: false, reason: 'malformed' });
    });

    it('takes a code typed with spaces', async () => {
      const code = factor.generate(secret);
      expect((await factor.verify(USER, secret, `${code.slice(0, 3)} ${code.slice(3)}`)).ok).toBe(true);
    });

    it('keeps users apart: one user using a step does not stop another', async () => {
      const code = factor.generate(secret);
      expect((await factor.verify('user-a', secret, code)).ok).toBe(true);
      expect((await factor.verify('user-b', secret, code)).ok).toBe(true);
    });

    it('accepts exactly one of 10 concurrent verifies of the same code', async () => {
      const code = factor.generate(secret);
      const verdicts = await Promise.all(Array.from({ length: 10 }, () => factor.verify(USER, secret, code)));
      expect(verdicts.filter((verdict) => verdict.ok)).toHaveLength(1);
    });
  });
});
