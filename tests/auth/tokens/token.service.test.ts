import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UserRole } from '../../../src/users/user-role';
import { UnauthenticatedError } from '../../../src/platform/errors/domain.errors';
import { TokenService, type TokenSettings } from '../../../src/auth/tokens/token.service';

const settings: TokenSettings = { secret: randomBytes(32).toString('hex'), algorithm: 'HS256', accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 7 * 24 * 3600 };
const service = new TokenService(settings);
const user = { id: '3f1e4a52-8c1d-4d7e-9f2a-1b2c3d4e5f60', username: 'alice', role: UserRole.MODERATOR };
const sessionId = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const signIn = { amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 5 };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectUnauthenticated(fn: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UnauthenticatedError);
  if (message) expect((thrown as Error).message).toMatch(message);
}

describe('TokenService', () => {
  afterEach(() => jest.useRealTimers());

  it('carries how and when the user signed in, in both tokens', () => {
    const mfa = { amr: ['pwd', 'otp'], auth_time: signIn.auth_time };
    expect(service.verifyAccess(service.issueAccess(user, sessionId, mfa).token)).toMatchObject(mfa);
    expect(service.verifyRefresh(service.issueRefresh(user.id, sessionId, mfa).token)).toMatchObject(mfa);
  });

  it('accepts a token from before MFA (no amr, no auth_time), and issues one without them when unknown', () => {
    const legacy = jwt.sign({ sub: user.id, username: user.username, role: user.role, type: 'access', sid: sessionId, jti: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e' }, settings.secret, { algorithm: 'HS256', expiresIn: 60 });
    const claims = service.verifyAccess(legacy);
    expect(claims.amr).toBeUndefined();
    expect(claims.auth_time).toBeUndefined();
    const reissued = jwt.decode(service.issueRefresh(user.id, sessionId, {}).token) as Record<string, unknown>;
    expect(reissued).not.toHaveProperty('amr');
    expect(reissued).not.toHaveProperty('auth_time');
  });

  it('refuses amr without auth_time, a sign-in after the token, and malformed methods', () => {
    const base = { sub: user.id, username: user.username, role: user.role, type: 'access', sid: sessionId, jti: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e' };
    const now = Math.floor(Date.now() / 1000);
    for (const extra of [{ amr: ['pwd'] }, { auth_time: now - 1 }, { amr: ['pwd'], auth_time: now + 30 }, { amr: ['PWD; drop'], auth_time: now - 1 }, { amr: [], auth_time: now - 1 }]) {
      expectUnauthenticated(() => service.verifyAccess(jwt.sign({ ...base, ...extra }, settings.secret, { algorithm: 'HS256', expiresIn: 60 })), /invalid/);
    }
  });

  it('issues access tokens whose claims verify back', () => {
    const issued = service.issueAccess(user, sessionId, signIn);
    const claims = service.verifyAccess(issued.token);
    expect(claims).toEqual({ sub: user.id, username: 'alice', role: 'moderator', type: 'access', sid: sessionId, jti: expect.any(String), iat: expect.any(Number), exp: expect.any(Number), ...signIn });
    expect(claims.exp - claims.iat).toBe(900);
    expect(issued.expiresAt.getTime()).toBe(claims.exp * 1000);
    expect(jwt.decode(issued.token, { complete: true })?.header).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('gives every token its own jti', () => {
    const ids = new Set(Array.from({ length: 5 }, () => service.verifyAccess(service.issueAccess(user, sessionId, signIn).token).jti));
    expect(ids.size).toBe(5);
  });

  it('issues refresh tokens of type "refresh" with their own lifetime', () => {
    const issued = service.issueRefresh(user.id, sessionId, signIn);
    const claims = service.verifyRefresh(issued.token);
    expect(claims).toMatchObject({ sub: user.id, sid: sessionId, type: 'refresh' });
    expect(claims.exp - claims.iat).toBe(settings.refreshTokenTtlSeconds);
    expect(service.refreshTokenTtlSeconds).toBe(settings.refreshTokenTtlSeconds);
    expect(service.accessTokenTtlSeconds).toBe(900);
  });

  it('rejects a token of the wrong type', () => {
    expectUnauthenticated(() => service.verifyAccess(service.issueRefresh(user.id, sessionId, signIn).token), /not an access token/);
    expectUnauthenticated(() => service.verifyRefresh(service.issueAccess(user, sessionId, signIn).token), /not a refresh token/);
  });

  it('rejects alg "none" even with valid-looking claims', () => {
    const claims = jwt.decode(service.issueAccess(user, sessionId, signIn).token) as Record<string, unknown>;
    expectUnauthenticated(() => service.verifyAccess(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`), /invalid/);
    const unsigned = jwt.sign(claims, '', { algorithm: 'none' });
    expectUnauthenticated(() => service.verifyAccess(unsigned));
  });

  it('rejects another HMAC algorithm than the configured one, with the right secret', () => {
    const { iat: _iat, exp: _exp, ...claims } = jwt.decode(service.issueAccess(user, sessionId, signIn).token) as Record<string, unknown>;
    expectUnauthenticated(() => service.verifyAccess(jwt.sign(claims, settings.secret, { algorithm: 'HS512', expiresIn: 60 })));
    const hs512 = new TokenService({ ...settings, algorithm: 'HS512' });
    expect(hs512.verifyAccess(jwt.sign(claims, settings.secret, { algorithm: 'HS512', expiresIn: 60 })).sub).toBe(user.id);
  });

  it('rejects a token signed with another secret or with a changed payload', () => {
    const { iat: _iat, exp: _exp, ...claims } = jwt.decode(service.issueAccess(user, sessionId, signIn).token) as Record<string, unknown>;
    expectUnauthenticated(() => service.verifyAccess(jwt.sign(claims, 'x'.repeat(64), { algorithm: 'HS256', expiresIn: 60 })));
    const [header, , signature] = service.issueAccess(user, sessionId, signIn).token.split('.');
    expectUnauthenticated(() => service.verifyAccess(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`));
  });

  it('rejects an expired token with its own message', () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const issued = service.issueAccess(user, sessionId, signIn);
    jest.setSystemTime(new Date('2030-01-01T00:14:59Z'));
    expect(service.verifyAccess(issued.token).sub).toBe(user.id);
    jest.setSystemTime(new Date('2030-01-01T00:15:01Z'));
    expectUnauthenticated(() => service.verifyAccess(issued.token), /expired/);
  });

  it('expires a token it has already verified at the same second as a fresh verification would', () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const fresh = new TokenService(settings);
    const issued = fresh.issueAccess(user, sessionId, signIn);
    expect(fresh.verifyAccess(issued.token).sub).toBe(user.id);
    jest.setSystemTime(new Date('2030-01-01T00:14:59.999Z'));
    expect(fresh.verifyAccess(issued.token).sub).toBe(user.id);
    jest.setSystemTime(new Date('2030-01-01T00:15:00Z'));
    expectUnauthenticated(() => fresh.verifyAccess(issued.token), /expired/);
    expectUnauthenticated(() => fresh.verifyAccess(issued.token), /expired/);
  });

  it('verifies only the exact token it verified before: a changed payload or signature still fails', () => {
    const issued = service.issueAccess(user, sessionId, signIn);
    const first = service.verifyAccess(issued.token);
    expect(service.verifyAccess(issued.token)).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    const [header, payload, signature] = issued.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expectUnauthenticated(() => service.verifyAccess(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`));
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expectUnauthenticated(() => service.verifyAccess(`${header}.${payload}.${flipped}`));
    expectUnauthenticated(() => service.verifyRefresh(issued.token), /not a refresh token/);
    expectUnauthenticated(() => new TokenService({ ...settings, secret: 'y'.repeat(64) }).verifyAccess(issued.token));
  });

  it('rejects tokens missing sub, sid or jti, with ids that are no UUIDs, or with an unknown role', () => {
    const base = { sub: user.id, username: 'alice', role: 'user', type: 'access', sid: sessionId, jti: '5d1c7f0e-2b8a-4c3e-9f1d-0a2b3c4d5e6f' };
    for (const odd of [{ jti: 'j' }, { sid: 'not-a-uuid' }, { sub: `{${user.id}}` }, { username: 42 }]) {
      expectUnauthenticated(() => service.verifyAccess(jwt.sign({ ...base, ...odd }, settings.secret, { algorithm: 'HS256', expiresIn: 60 })), /invalid/);
    }
    for (const missing of ['sub', 'sid', 'jti'] as const) {
      const { [missing]: _dropped, ...claims } = base;
      expectUnauthenticated(() => service.verifyAccess(jwt.sign(claims, settings.secret, { algorithm: 'HS256', expiresIn: 60 })));
    }
    expectUnauthenticated(() => service.verifyAccess(jwt.sign({ ...base, role: 'superuser' }, settings.secret, { algorithm: 'HS256', expiresIn: 60 })));
    expect(service.verifyAccess(jwt.sign(base, settings.secret, { algorithm: 'HS256', expiresIn: 60 })).role).toBe('user');
  });

  it('rejects an exp past what a date can hold, which would have made /v1/auth/validate a 500', () => {
    const base = { sub: user.id, username: 'alice', role: 'user', type: 'access', sid: sessionId, jti: '5d1c7f0e-2b8a-4c3e-9f1d-0a2b3c4d5e6f', iat: Math.floor(Date.now() / 1000) };
    for (const exp of [Number.MAX_SAFE_INTEGER, 8_640_000_000_001]) {
      expectUnauthenticated(() => service.verifyAccess(jwt.sign({ ...base, exp }, settings.secret, { algorithm: 'HS256' })));
    }
    const farButValid = service.verifyAccess(jwt.sign({ ...base, exp: 8_640_000_000_000 }, settings.secret, { algorithm: 'HS256' }));
    expect(new Date(farButValid.exp * 1000).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });

  it('rejects garbage', () => {
    for (const garbage of ['', 'x', 'a.b.c', 'not a jwt at all']) expectUnauthenticated(() => service.verifyAccess(garbage));
  });
});
