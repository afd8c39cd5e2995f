/*
 * Property-based fuzzing of every GraphQL mutation and every query that takes arguments (issue 7,
 * part 2): variables of the wrong type and shape, near-valid inputs with one field swapped for an
 * injection, malicious strings inlined into the document, hostile tokens, and raw request bodies.
 * Whatever is sent:
 *   - the HTTP status is below 500;
 *   - every error carries an extensions.code, never INTERNAL_SERVER_ERROR, and no stack trace;
 *   - a refused operation leaves users, sessions and password_history exactly as they were.
 * As in fuzz-rest.test.ts, writes are tried by callers who may make them (an admin on disposable
 * users, a user on themselves). ABUSE_RUNS sets the runs per property; ABUSE_SEED replays one.
 */
import { randomBytes } from 'node:crypto';
import fc, { type Arbitrary } from 'fast-check';
import {
  applyNearValid,
  checkGraphQLResponse,
  type GraphQLBody,
  headerValue,
  hostileJsonText,
  maliciousString,
  maliciousValue,
  type NearValid,
  nearValid,
  OPERATOR_OBJECTS,
  propertyTimeout,
  runOptions,
  WriteGuard,
} from '../../support/abuse';
import { decodeToken, forgeFrom, tamperSignature, unsignedToken } from '../../support/auth';
import { type SeededUser, type SignedIn, userInput } from '../../support/factories';
import type { HttpResponse } from '../../support/http';
import { seedFuzzFixtures } from '../../support/fuzz-fixtures';
import { useTestServer } from '../../support/use-test-server';

type ActorKind = 'admin' | 'owner' | 'anonymous' | 'garbage';
type IdChoice = 'target' | 'other' | 'nothing' | 'hostile';

/** What a variable receives: a near-valid object, the right kind of scalar, or anything at all. */
type VariableChoice =
  | { kind: 'near'; near: NearValid }
  | { kind: 'id'; id: IdChoice; hostile: unknown }
  | { kind: 'value'; value: unknown }
  | { kind: 'absent' };

interface VariableSpec {
  /** An input object: its fields, and a valid value to start near-valid variants from. */
  fields?: readonly string[];
  template?: (actor: ActorKind) => Record<string, unknown>;
  /** A UUID argument. */
  id?: boolean;
  /** A valid scalar value. */
  scalar?: () => unknown;
  /** Junk made for this argument in particular (forged cursors, say). */
  special?: () => Arbitrary<unknown>;
}

interface OperationSpec {
  name: string;
  document: string;
  actors: ActorKind[];
  /** Each variable: the fields of its input object (for near-valid values), or 'id', or 'scalar'. */
  variables: Record<string, VariableSpec>;
  /** Whether the target's own id may be used: not where success would destroy a fixture. */
  targetIds?: boolean;
}

const CREATE_FIELDS = ['username', 'email', 'password', 'firstName', 'lastName', 'phone', 'role', 'isActive', 'emailVerified'];
const UPDATE_FIELDS = ['username', 'email', 'firstName', 'lastName', 'phone', 'role', 'isActive', 'emailVerified'];
const FILTER_FIELDS = ['q', 'role', 'isActive', 'emailVerified', 'createdAfter', 'createdBefore'];
const AUDIT_FILTER_FIELDS = ['userId', 'entityType', 'entityId', 'action', 'from', 'to'];

describe('GraphQL fuzzing', () => {
  const ctx = useTestServer({ LOG_LEVEL: 'warn' }, { admin: true });
  let guard: WriteGuard;
  let owner: SignedIn;
  let adminTarget: SeededUser;
  let adminOther: SeededUser;
  let loginVictim: SeededUser;
  let adminSessionId: string;
  let donorSessionId: string;

  beforeAll(async () => {
    ({ guard, owner, adminTarget, adminOther, loginVictim, adminSessionId, donorSessionId } = await seedFuzzFixtures(ctx));
  });

  const strongPassword = () => `Gq-${randomBytes(6).toString('hex')}-Z9!`;

  const OPERATIONS: OperationSpec[] = [
    {
      name: 'createUser',
      document: 'mutation Create($input: CreateUserInput!) { createUser(input: $input) { id username email firstName lastName phone role isActive emailVerified } }',
      actors: ['anonymous', 'admin', 'owner'],
      variables: { input: { fields: CREATE_FIELDS, template: () => userInput() } },
    },
    {
      name: 'updateUser',
      document: 'mutation Update($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id username email firstName lastName phone role isActive emailVerified } }',
      actors: ['admin', 'owner'],
      variables: { id: { id: true }, input: { fields: UPDATE_FIELDS, template: () => ({ lastName: `Gql${randomBytes(3).toString('hex')}` }) } },
    },
    {
      name: 'deleteUser',
      document: 'mutation Delete($id: UUID!) { deleteUser(id: $id) }',
      actors: ['admin', 'owner'],
      variables: { id: { id: true } },
      targetIds: false,
    },
    {
      name: 'login',
      document: 'mutation Login($username: String!, $password: String!) { login(username: $username, password: $password) { accessToken } }',
      actors: ['anonymous'],
      variables: { username: { scalar: () => loginVictim.username }, password: { scalar: () => 'Wrong-passw0rd!' } },
    },
    {
      name: 'refreshToken',
      document: 'mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { accessToken } }',
      actors: ['anonymous'],
      variables: { token: { scalar: () => [tamperSignature(owner.refreshToken), owner.token, unsignedToken(decodeToken(owner.refreshToken))][randomBytes(1)[0] % 3] } },
    },
    // With a valid token these simply succeed: fuzzed with every other kind of caller.
    { name: 'logout', document: 'mutation { logout }', actors: ['anonymous', 'garbage'], variables: {} },
    { name: 'logoutAll', document: 'mutation { logoutAll }', actors: ['anonymous', 'garbage'], variables: {} },
    {
      name: 'changePassword',
      document: 'mutation Change($userId: UUID!, $input: ChangePasswordInput!) { changePassword(userId: $userId, input: $input) }',
      actors: ['admin', 'owner'],
      variables: {
        userId: { id: true },
        input: {
          fields: ['currentPassword', 'newPassword'],
          template: (actor) => (actor === 'admin' ? { newPassword: strongPassword() } : { currentPassword: 'Not-the-passw0rd!', newPassword: strongPassword() }),
        },
      },
    },
    {
      name: 'revokeSession',
      document: 'mutation Revoke($id: UUID!) { revokeSession(id: $id) }',
      actors: ['admin', 'owner'],
      // "target" here means a real session that is not the caller's own (see resolveId).
      variables: { id: { id: true } },
    },
    { name: 'user', document: 'query One($id: UUID!) { user(id: $id) { id username role sessions { id } } }', actors: ['admin', 'owner', 'anonymous'], variables: { id: { id: true } } },
    { name: 'sessions', document: 'query Sessions($userId: UUID!) { sessions(userId: $userId) { id ipAddress } }', actors: ['admin', 'owner'], variables: { userId: { id: true } } },
    {
      name: 'users',
      document: 'query Users($filter: UserFilterInput, $first: Int!, $after: String, $orderBy: UserOrderInput) { users(filter: $filter, first: $first, after: $after, orderBy: $orderBy) { totalCount edges { cursor node { id } } } }',
      actors: ['admin', 'owner'],
      variables: {
        filter: { fields: FILTER_FIELDS, template: () => ({ q: 'user', createdAfter: '2000-01-01T00:00:00Z' }) },
        first: { scalar: () => 5 },
        after: { scalar: () => null, special: () => forgedCursor },
        orderBy: { fields: ['field', 'direction'], template: () => ({ field: 'USERNAME', direction: 'ASC' }) },
      },
    },
    {
      name: 'auditLogs',
      document: 'query Audit($filter: AuditLogFilterInput, $first: Int!, $after: String) { auditLogs(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { id action user { id } } } } }',
      actors: ['admin', 'owner'],
      variables: {
        filter: { fields: AUDIT_FILTER_FIELDS, template: () => ({ action: 'user.created', from: '2000-01-01T00:00:00Z' }) },
        first: { scalar: () => 5 },
        after: { scalar: () => null, special: () => forgedCursor },
      },
    },
  ];

  // -------------------------------------------------------------------------------------------

  /** Values that look like cursors: base64url JSON of arrays that are not this listing's. */
  const forgedCursor: Arbitrary<string> = fc
    .oneof(
      fc.array(fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2020-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000', ...OPERATOR_OBJECTS)), { maxLength: 3 }),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((value) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url'));

  const garbageAuthorization = (): Arbitrary<string> =>
    fc.oneof(
      headerValue,
      headerValue.map((value) => `Bearer ${value}`),
      fc.constantFrom(
        'Bearer',
        `Bearer ${tamperSignature(ctx.admin.token)}`,
        `Bearer ${ctx.admin.refreshToken}`,
        `Bearer ${unsignedToken({ ...decodeToken(ctx.admin.token), role: 'admin' })}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { iat: 1_000_000, exp: 1_000_600 })}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { role: 'admin', sid: adminSessionId })}`,
      ),
    );

  const variableChoice = (spec: VariableSpec): Arbitrary<VariableChoice> => {
    const anything = fc.oneof(maliciousValue, fc.jsonValue({ maxDepth: 3 }), forgedCursor).map((value): VariableChoice => ({ kind: 'value', value }));
    const options: { weight: number; arbitrary: Arbitrary<VariableChoice> }[] = [
      { weight: 3, arbitrary: anything },
      { weight: 1, arbitrary: fc.constant<VariableChoice>({ kind: 'absent' }) },
    ];
    if (spec.fields) options.push({ weight: 6, arbitrary: nearValid(spec.fields).map((near): VariableChoice => ({ kind: 'near', near })) });
    if (spec.id) {
      options.push({
        weight: 6,
        arbitrary: fc.record({ id: fc.constantFrom<IdChoice>('target', 'other', 'nothing', 'hostile'), hostile: maliciousValue }).map((choice): VariableChoice => ({ kind: 'id', ...choice })),
      });
    }
    if (spec.scalar) options.push({ weight: 3, arbitrary: fc.constant<VariableChoice>({ kind: 'value', value: 'SCALAR' }) });
    if (spec.special) options.push({ weight: 4, arbitrary: spec.special().map((value): VariableChoice => ({ kind: 'value', value })) });
    return fc.oneof(...options);
  };

  interface Choice {
    actor: ActorKind;
    /** The one variable fuzzed this run, the others being valid; null fuzzes them all at once. */
    focus: string | null;
    garbageAuth: string;
    variables: Record<string, VariableChoice>;
    extraVariables: Record<string, unknown>;
    inline: boolean;
    inlined: string;
  }

  const choiceFor = (spec: OperationSpec): Arbitrary<Choice> =>
    fc.record({
      actor: fc.constantFrom(...spec.actors),
      focus: Object.keys(spec.variables).length === 0 ? fc.constant(null) : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.keys(spec.variables)) }, { weight: 1, arbitrary: fc.constant(null) }),
      garbageAuth: garbageAuthorization(),
      variables: fc.record(Object.fromEntries(Object.entries(spec.variables).map(([name, variable]) => [name, variableChoice(variable)]))) as Arbitrary<Record<string, VariableChoice>>,
      extraVariables: fc.dictionary(fc.string({ maxLength: 10 }), maliciousValue, { maxKeys: 2 }),
      // One run in four inlines a malicious string into the document instead of using variables.
      inline: fc.nat(3).map((n) => n === 0),
      inlined: maliciousString.filter((text) => text.length < 5000),
    });

  function idFor(choice: IdChoice, hostile: unknown, actor: ActorKind, operation: string, targetIds: boolean): unknown {
    if (operation === 'revokeSession') {
      // A real session that is not the caller's: another user's under the admin, the admin's under the owner.
      if (choice === 'target' || choice === 'other') return actor === 'admin' ? donorSessionId : adminSessionId;
    }
    const target = actor === 'admin' ? adminTarget.id : owner.id;
    const other = actor === 'admin' ? adminOther.id : ctx.admin.id;
    switch (choice) {
      case 'target':
        return targetIds ? target : '00000000-0000-4000-8000-000000000000';
      case 'other':
        return targetIds ? other : actor === 'owner' ? ctx.admin.id : 'ffffffff-ffff-4fff-bfff-ffffffffffff';
      case 'nothing':
        return '7b1e3a52-0000-4000-8000-00000000abcd';
      case 'hostile':
        return hostile;
    }
  }

  function variablesFor(spec: OperationSpec, choice: Choice): Record<string, unknown> {
    const variables: Record<string, unknown> = { ...choice.extraVariables };
    for (const [name, variable] of Object.entries(choice.variables)) {
      const declared = spec.variables[name];
      if (choice.focus !== null && name !== choice.focus) {
        // Not the variable under test: a valid value, so that the fuzzed one is what gets checked.
        if (declared.fields) variables[name] = declared.template?.(choice.actor) ?? {};
        else if (declared.id) variables[name] = idFor('target', null, choice.actor, spec.name, spec.targetIds !== false);
        else variables[name] = declared.scalar?.();
        continue;
      }
      switch (variable.kind) {
        case 'absent':
          delete variables[name];
          break;
        case 'near':
          variables[name] = applyNearValid(declared.template?.(choice.actor) ?? {}, variable.near);
          break;
        case 'id':
          variables[name] = idFor(variable.id, variable.hostile, choice.actor, spec.name, spec.targetIds !== false);
          break;
        case 'value':
          variables[name] = variable.value === 'SCALAR' && declared.scalar ? declared.scalar() : variable.value;
          break;
      }
    }
    return variables;
  }

  function authorization(choice: Choice): string | undefined {
    return { admin: `Bearer ${ctx.admin.token}`, owner: `Bearer ${owner.token}`, anonymous: undefined, garbage: choice.garbageAuth }[choice.actor];
  }

  async function post(body: string, auth?: string, contentType = 'application/json'): Promise<HttpResponse<GraphQLBody>> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (auth !== undefined) headers.authorization = auth;
    const response = await fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('content-type') ?? '') && text.length > 0) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as GraphQLBody, text };
  }

  /** A string as a GraphQL literal: JSON's escapes are GraphQL's (lone surrogates make it a parse error). */
  const literal = (text: string) => JSON.stringify(text);

  /** The document with a malicious string inlined in place of the first String or UUID variable. */
  function inlinedDocument(spec: OperationSpec, text: string): string {
    const inlined: Record<string, string> = {
      createUser: `mutation { createUser(input: { username: "gql_${randomBytes(4).toString('hex')}", email: "gql_${randomBytes(4).toString('hex')}@example.com", password: "Aa1!aaaaaa", firstName: ${literal(text)}, lastName: ${literal(text)} }) { id } }`,
      updateUser: `mutation { updateUser(id: ${literal(text)}, input: { firstName: ${literal(text)} }) { id } }`,
      deleteUser: `mutation { deleteUser(id: ${literal(text)}) }`,
      login: `mutation { login(username: ${literal(text)}, password: "Wrong-passw0rd!") { accessToken } }`,
      refreshToken: `mutation { refreshToken(refreshToken: ${literal(text)}) { accessToken } }`,
      changePassword: `mutation { changePassword(userId: ${literal(text)}, input: { newPassword: ${literal(text)} }) }`,
      revokeSession: `mutation { revokeSession(id: ${literal(text)}) }`,
      user: `query { user(id: ${literal(text)}) { id } }`,
      sessions: `query { sessions(userId: ${literal(text)}) { id } }`,
      users: `query { users(first: 3, filter: { q: ${literal(text)} }) { totalCount } }`,
      auditLogs: `query { auditLogs(first: 3, filter: { action: ${literal(text)} }) { totalCount } }`,
    };
    return inlined[spec.name] ?? spec.document;
  }

  async function exercise(spec: OperationSpec, choice: Choice): Promise<void> {
    const query = choice.inline ? inlinedDocument(spec, choice.inlined) : spec.document;
    const variables = choice.inline ? choice.extraVariables : variablesFor(spec, choice);
    const body = JSON.stringify({ query, variables });
    const response = await post(body, authorization(choice));
    const what = `${choice.actor} ${body.slice(0, 600)}`;
    let refused: boolean;
    try {
      refused = checkGraphQLResponse(response);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nrequest: ${what}`);
    }
    await guard.settle(refused, what);
    const user = response.body.data?.[spec.name] as Record<string, unknown> | undefined;
    if (!refused && choice.actor === 'owner' && user && typeof user === 'object') {
      // A plain user never gains a role, a status or a verified email by writing to themselves.
      const plain: Record<string, unknown> = { role: 'USER', isActive: true, emailVerified: false };
      for (const field of Object.keys(plain)) if (field in user) expect({ [field]: user[field] }).toEqual({ [field]: plain[field] });
    }
  }

  describe.each(OPERATIONS.map((spec) => [spec.name, spec] as const))('%s', (_name, spec) => {
    it(
      'answers random variables, wrong types and inlined injections without INTERNAL_SERVER_ERROR, and writes nothing when it refuses',
      async () => {
        await fc.assert(
          fc.asyncProperty(choiceFor(spec), (choice) => exercise(spec, choice)),
          runOptions(),
        );
      },
      propertyTimeout(),
    );
  });

  it(
    'answers hostile tokens on every operation with UNAUTHENTICATED and writes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...OPERATIONS), garbageAuthorization(), async (spec, auth) => {
          const response = await post(JSON.stringify({ query: spec.document, variables: {} }), auth);
          const refused = checkGraphQLResponse(response);
          expect(refused).toBe(true);
          expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
          await guard.settle(refused, `${auth} ${spec.name}`);
        }),
        runOptions(),
      );
    },
    propertyTimeout(),
  );

  it(
    'answers raw bodies (not JSON, wrong shapes, deep nesting, random documents) with a client error',
    async () => {
      const rawBody = fc.oneof(
        hostileJsonText,
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        fc.record({ query: fc.oneof(maliciousValue, fc.string({ maxLength: 300 })), variables: fc.oneof(maliciousValue, fc.constant(undefined)), operationName: fc.oneof(maliciousValue, fc.constant(undefined)) }).map((value) =>
          JSON.stringify(value),
        ),
        fc.string({ unit: fc.constantFrom('{', '}', '(', ')', '$', ':', '!', 'query', 'mutation', ' ', 'user', '"', '...', '@', 'fragment F on User', 'id', '[', ']', 'a: '), maxLength: 60 }).map((query) =>
          JSON.stringify({ query }),
        ),
        fc.integer({ min: 50, max: 4000 }).map((depth) => JSON.stringify({ query: `query { ${'me { '.repeat(depth)}id${' }'.repeat(depth)} }` })),
        fc.integer({ min: 10, max: 3000 }).map((count) => JSON.stringify({ query: `query { ${Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(' ')} }` })),
      );
      const contentType = fc.constantFrom('application/json', 'application/json', 'application/graphql-response+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/graphql');
      await fc.assert(
        fc.asyncProperty(rawBody, contentType, fc.constantFrom<ActorKind>('admin', 'anonymous'), async (body, type, actor) => {
          const response = await post(body, actor === 'admin' ? `Bearer ${ctx.admin.token}` : undefined, type);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            // Refused before or by Apollo: either edge's error format, never a bare text.
            const refused = checkGraphQLResponse(response);
            expect(refused).toBe(true);
            await guard.settle(true, body.slice(0, 300));
          } else {
            await guard.settle(checkGraphQLResponse(response), body.slice(0, 300));
          }
        }),
        runOptions(),
      );
    },
    propertyTimeout(),
  );

  it('keeps the fixture users intact: both tokens still work and the owner is still a plain user', async () => {
    for (const [who, token] of [['admin', ctx.admin.token], ['owner', owner.token]]) {
      const result = await ctx.api.graphql('query { me { id role isActive emailVerified } }', {}, token);
      expect({ who, errors: result.errors }).toEqual({ who, errors: undefined });
      if (who === 'owner') expect(result.data.me).toEqual({ id: owner.id, role: 'USER', isActive: true, emailVerified: false });
    }
  });
});
