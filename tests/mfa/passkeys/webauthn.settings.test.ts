import { webauthnEnvSchema, webauthnSettings } from '../../../src/mfa/passkeys/webauthn.settings';

describe('WebAuthn settings', () => {
  it('default to localhost for `npm start`', () => {
    expect(webauthnSettings({})).toEqual({ rpId: 'localhost', rpName: 'User API', origins: ['http://localhost:8000'] });
  });

  it('read the RP id, name and origins', () => {
    expect(webauthnSettings({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'Example', WEBAUTHN_ORIGINS: 'https://example.com, https://login.example.com' })).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://login.example.com'],
    });
  });

  it.each([
    [{ WEBAUTHN_ORIGINS: 'http://example.com', WEBAUTHN_RP_ID: 'example.com' }, /https, or http:\/\/localhost/],
    [{ WEBAUTHN_ORIGINS: 'https://example.com/login', WEBAUTHN_RP_ID: 'example.com' }, /no path/],
    [{ WEBAUTHN_ORIGINS: 'https://evil.com', WEBAUTHN_RP_ID: 'example.com' }, /not on example.com/],
    [{ WEBAUTHN_ORIGINS: 'https://notexample.com', WEBAUTHN_RP_ID: 'example.com' }, /not on example.com/],
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, /domain name/],
  ])('refuse %j', (env, message) => {
    const parsed = webauthnEnvSchema.safeParse(env);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toMatch(message);
  });
});
