import { createUnionType, Field, Int, ObjectType } from 'type-graphql';
import { AuthPayloadType } from '../auth/auth-payload.type';

@ObjectType('MfaStatus', { description: 'The second factors of the signed-in user (never a secret).' })
export class MfaStatusType {
  @Field({ description: 'An authenticator app (TOTP) is on.' })
  totp!: boolean;

  @Field(() => Int, { description: 'How many passkeys are registered.' })
  passkeys!: number;

  @Field(() => Int, { description: 'Unused recovery codes.' })
  recoveryCodesLeft!: number;
}

@ObjectType('TotpSetup', { description: 'A new authenticator secret, shown once; confirm it with a code to turn TOTP on.' })
export class TotpSetupType {
  @Field({ description: 'Base32, for typing into the app by hand.' })
  secret!: string;

  @Field({ description: 'The otpauth:// URL the QR code holds.' })
  otpauthUrl!: string;

  @Field({ description: 'The QR code, an SVG document.' })
  qrCodeSvg!: string;
}

@ObjectType('RecoveryCodes', { description: 'Ten single-use recovery codes, shown once: store them somewhere safe.' })
export class RecoveryCodesType {
  @Field(() => [String], { description: 'Each works once, in place of an authenticator code.' })
  recoveryCodes!: string[];
}

@ObjectType('MfaChallenge', { description: 'The password was right and MFA is on: finish with verifyMfa. No tokens yet.' })
export class MfaChallengeType {
  @Field({ description: 'Always true.' })
  mfaRequired!: boolean;

  @Field({ description: 'For verifyMfa; lives 5 minutes, works once, dies after 5 wrong codes.' })
  mfaToken!: string;

  @Field(() => [String], { description: 'The second factors that can finish it: totp, recovery_code, webauthn.' })
  methods!: string[];

  @Field(() => Int, { description: 'Seconds until the mfaToken expires.' })
  expiresIn!: number;
}

/** What signIn answers: the tokens, or the challenge of MFA's second step. */
export const SignInResultUnion = createUnionType({
  name: 'SignInResult',
  description: 'AuthPayload when the password suffices; MfaChallenge when a second factor is needed.',
  types: () => [AuthPayloadType, MfaChallengeType] as const,
  resolveType: (value) => ('mfaRequired' in value ? MfaChallengeType : AuthPayloadType),
});
