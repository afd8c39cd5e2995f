import { authenticationClaims, mustEnrolFirst, ReauthenticationRequiredError, requireRecentAuthentication } from '../../src/mfa/step-up.policy';

describe('step-up', () => {
  const now = 1_800_000_000_000;
  const at = (secondsAgo: number) => ({ amr: ['pwd'], auth_time: now / 1000 - secondsAgo });

  it('lets a sign-in of the last 5 minutes through', () => {
    expect(() => requireRecentAuthentication(at(0), now)).not.toThrow();
    expect(() => requireRecentAuthentication(at(300), now)).not.toThrow();
  });

  it('refuses an older one with REAUTHENTICATION_REQUIRED', () => {
    expect(() => requireRecentAuthentication(at(301), now)).toThrow(ReauthenticationRequiredError);
    let caught: unknown;
    try {
      requireRecentAuthentication(at(3600), now);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', name: 'ReauthenticationRequiredError' });
  });

  it('treats a token without auth_time (or a nonsense one) as old', () => {
    expect(() => requireRecentAuthentication({ amr: ['pwd'] }, now)).toThrow(ReauthenticationRequiredError);
    expect(() => requireRecentAuthentication({ auth_time: Number.NaN }, now)).toThrow(ReauthenticationRequiredError);
    expect(() => requireRecentAuthentication({ auth_time: '1800000000' as unknown as number }, now)).toThrow(ReauthenticationRequiredError);
  });

  it('tolerates 30 s of clock skew into the future, not more', () => {
    expect(() => requireRecentAuthentication(at(-30), now)).not.toThrow();
    expect(() => requireRecentAuthentication(at(-31), now)).toThrow(ReauthenticationRequiredError);
  });

  it('takes another window when asked', () => {
    expect(() => requireRecentAuthentication(at(100), now, 60)).toThrow(ReauthenticationRequiredError);
  });

  it('builds amr without repeats and auth_time in seconds', () => {
    expect(authenticationClaims(['pwd', 'otp', 'otp'], now + 999)).toEqual({ amr: ['pwd', 'otp'], auth_time: now / 1000 });
  });
});

describe('MFA_REQUIRED_ROLES', () => {
  it('makes a listed role without a second factor enrol first, and nobody else', () => {
    expect(mustEnrolFirst('admin', false, ['admin'])).toBe(true);
    expect(mustEnrolFirst('admin', true, ['admin'])).toBe(false);
    expect(mustEnrolFirst('user', false, ['admin'])).toBe(false);
    expect(mustEnrolFirst('admin', false, [])).toBe(false);
  });
});
