import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kind, parse, type StringValueNode } from 'graphql';
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

  it('@rateLimit names the bucket a field spends from, and no number the limiter would not use', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).toMatch(/directive @rateLimit\(bucket: RateLimitBucket!\) on OBJECT \| FIELD_DEFINITION/);
    expect(sdl).not.toMatch(/@rateLimit\((limit|duration)/);
    const buckets = rateLimitBuckets(sdl);
    expect(buckets).toEqual({
      auditLogs: 'READ',
      sessions: 'READ',
      me: 'READ',
      user: 'READ',
      users: 'READ',
      login: 'AUTH',
      refreshToken: 'AUTH',
      logout: 'WRITE',
      logoutAll: 'WRITE',
      changePassword: 'WRITE',
      revokeSession: 'WRITE',
      createUser: 'SIGNUP',
      updateUser: 'WRITE',
      deleteUser: 'WRITE',
    });
    // The committed schema describes the defaults, by the variable that changes each.
    expect(sdl).toContain('Login and token refresh, per client IP: 5 per 60 s (RATE_LIMIT_AUTH_PER_IP).');
  });

  it('never exposes password hashes or deletion marks', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).not.toMatch(/passwordHash|deletedAt|tokenHash/);
  });
});

/** Field name -> the bucket its @rateLimit names, read from the parsed SDL (descriptions may hold any text). */
function rateLimitBuckets(sdl: string): Record<string, string> {
  const buckets: Record<string, string> = {};
  for (const definition of parse(sdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const bucket = field.directives?.find((directive) => directive.name.value === 'rateLimit')?.arguments?.[0]?.value;
      if (bucket) buckets[field.name.value] = (bucket as unknown as StringValueNode).value;
    }
  }
  return buckets;
}
