import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kind, parse, print, type StringValueNode } from 'graphql';
import { printGraphQLSchema } from '../../src/graphql/print-schema';

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:emit` after changing types)', async () => {
    const committed = await readFile(resolve(__dirname, '../../schema.graphql'), 'utf8');
    expect(committed).toBe(await printGraphQLSchema());
  });

  it('shows the @auth directive, its declaration and where it is applied', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).toMatch(/directive @auth\(requires: RequiredRole = USER\) on OBJECT \| FIELD_DEFINITION/);
    expect(sdl).toMatch(/users\([^)]*\): UserConnection! @auth\(requires: MODERATOR\)/s);
  });

  it('@rateLimit names the bucket a field spends from and, as limit and duration, the limits in force', async () => {
    const sdl = await printGraphQLSchema();
    const definition = parse(sdl).definitions.find((node) => node.kind === Kind.DIRECTIVE_DEFINITION && node.name.value === 'rateLimit');
    expect(definition && 'arguments' in definition ? definition.arguments?.map((arg) => `${arg.name.value}: ${print(arg.type)}`) : []).toEqual(['bucket: RateLimitBucket!', 'limit: Int!', 'duration: Int!']);
    const read = 'READ 5000/3600';
    const write = 'WRITE 500/3600';
    expect(rateLimits(sdl)).toEqual({
      auditLogs: read,
      sessions: read,
      me: read,
      user: read,
      users: read,
      login: 'AUTH 5/60',
      refreshToken: 'AUTH 5/60',
      logout: write,
      logoutAll: write,
      changePassword: write,
      revokeSession: write,
      createUser: 'SIGNUP 10/3600',
      updateUser: write,
      deleteUser: write,
      signIn: 'AUTH 5/60',
      verifyMfa: 'AUTH 5/60',
      passkeyMfaOptions: 'AUTH 5/60',
      passkeyLoginOptions: 'AUTH 5/60',
      signInWithPasskey: 'AUTH 5/60',
      passkeyRegistrationOptions: write,
      registerPasskey: write,
      verifyEmail: 'AUTH 5/60',
      confirmEmailChange: 'AUTH 5/60',
      resetPassword: 'AUTH 5/60',
      requestEmailVerification: 'EMAIL 10/3600',
      requestPasswordReset: 'EMAIL 10/3600',
      deadLetters: read,
      retryDeadLetter: write,
      setupTotp: write,
      confirmTotp: write,
      disableTotp: write,
      regenerateRecoveryCodes: write,
      resetUserMfa: write,
      passkeys: read,
      renamePasskey: write,
      deletePasskey: write,
      webhooks: read,
      webhook: read,
      webhookDeliveries: read,
      createWebhook: write,
      updateWebhook: write,
      deleteWebhook: write,
      rotateWebhookSecret: write,
      redeliverWebhookDelivery: write,
      testWebhook: write,
    });
    // The committed schema describes the defaults, by the variable that changes each.
    expect(sdl).toContain('Login and token refresh, per client IP: 5 per 60 s (RATE_LIMIT_AUTH_PER_IP).');
  });

  it('never exposes password hashes or deletion marks', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).not.toMatch(/passwordHash|deletedAt|tokenHash/);
  });
});

/** Field name -> "BUCKET limit/duration" of its @rateLimit, read from the parsed SDL (descriptions may hold any text). */
function rateLimits(sdl: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const definition of parse(sdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const args = field.directives?.find((directive) => directive.name.value === 'rateLimit')?.arguments;
      if (!args) continue;
      const value = (name: string) => (args.find((arg) => arg.name.value === name)?.value as unknown as StringValueNode | undefined)?.value;
      found[field.name.value] = `${value('bucket')} ${value('limit')}/${value('duration')}`;
    }
  }
  return found;
}
