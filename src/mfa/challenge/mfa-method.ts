/** The second factors a login can be finished with (the `methods` of an mfaRequired answer). */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn';

/** RFC 8176 authentication method references, for the access token's `amr`. */
export const AMR_BY_METHOD: Record<MfaMethod, string> = { totp: 'otp', recovery_code: 'otp', webauthn: 'hwk' };
