/*
 * Property-based fuzzing of every REST route (issue 7, part 2). Each property sends random and
 * malicious requests to one route: bodies (random values, near-valid bodies with a field swapped for
 * an injection, wrong types, prototype keys, deep nesting, huge strings, broken JSON), query strings,
 * headers and ids. Whatever is sent:
 *   - the server never answers 5xx;
 *   - every error is a well-formed application/problem+json whose status is the HTTP status;
 *   - a refused request leaves users, sessions and password_history exactly as they were (row counts
 *     and table checksums, compared around every single request).
 * Writes are tried by callers who hold the right to make them (an admin on a plain user, a user on
 * themselves), so authorization is not the only thing that stops them. ABUSE_RUNS sets the number
 * of runs per property (npm run test:abuse uses 500); ABUSE_SEED replays a failure.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc, { type Arbitrary } from 'fast-check';
import jwt from 'jsonwebtoken';
import {
  applyNearValid,
  CONTENT_TYPES,
  checkRestResponse,
  headerValue,
  hostileIdSegment,
  hostileJsonText,
  hostileQuery,
  maliciousValue,
  type NearValid,
  nearValid,
  propertyTimeout,
  runOptions,
  WriteGuard,
} from '../../support/abuse';
import { decodeToken, forgeFrom, sql, tamperSignature, unsignedToken } from '../../support/auth';
import { DEFAULT_PASSWORD, type SeededUser, type SignedIn, userInput } from '../../support/factories';
import type { HttpResponse } from '../../support/http';
import { seedFuzzFixtures } from '../../support/fuzz-fixtures';
import { useTestServer } from '../../support/use-test-server';

type ActorKind = 'admin' | 'owner' | 'anonymous' | 'garbage';
/** Symbolic ids, resolved per actor at run time: the actor's own target, someone else's, or junk. */
type IdChoice = { kind: 'target' } | { kind: 'target-upper' } | { kind: 'other' } | { kind: 'hostile'; segment: string };
type BodyChoice = { kind: 'none' } | { kind: 'near'; near: NearValid } | { kind: 'value'; value: unknown } | { kind: 'raw'; text: string };

interface HeaderChoice {
  contentType?: string;
  contentEncoding?: string;
  requestId?: string;
  extra?: [string, string];
}

interface RequestChoice {
  actor: ActorKind;
  garbageAuth: string;
  id: IdChoice;
  sessionId: IdChoice;
  query: string;
  body: BodyChoice;
  headers: HeaderChoice;
}

interface RouteSpec {
  method: string;
  /** `:id` and `:sid` are filled in from the choice. */
  path: string;
  actors: ActorKind[];
  /** May the actor's own target be used as :id? Not where success would destroy the fixture. */
  targetIds?: boolean;
  fields?: readonly string[];
  template?: (actor: ActorKind) => Record<string, unknown>;
  queryKeys?: readonly string[];
  contentType?: string;
}

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName', 'phone'] as const;

describe('REST fuzzing', () => {
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

  // -------------------------------------------------------------------------------------------
  // Generating and sending
  // -------------------------------------------------------------------------------------------

  const strongPassword = () => `Fz-${randomBytes(6).toString('hex')}-Q1!`;

  /** Authorization headers that must never get anyone in. */
  const garbageAuthorization = (): Arbitrary<string> =>
    fc.oneof(
      headerValue,
      headerValue.map((value) => `Bearer ${value}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic YWRtaW46YWRtaW4=',
        'Bearer a.b.c',
        'Bearer null',
        'Bearer undefined',
        `Bearer ${'A'.repeat(5000)}`,
        `Bearer ${tamperSignature(ctx.admin.token)}`,
        `Bearer ${ctx.admin.refreshToken}`,
        `Bearer ${unsignedToken({ ...decodeToken(ctx.admin.token), role: 'admin' })}`,
        `Bearer ${jwt.sign({ ...decodeToken(owner.token), role: 'admin' }, 'not-the-server-secret-but-long-enough-0123456789')}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { iat: 1_000_000, exp: 1_000_600 })}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { role: 'superuser' })}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { type: 'refresh' })}`,
        `Bearer ${forgeFrom(ctx.server, owner.token, { sid: adminSessionId })}`,
        `Bearer ${ctx.admin.token} ${owner.token}`,
        `Bearer ${ctx.admin.token},Bearer ${owner.token}`,
      ),
    );

  const idChoice = (): Arbitrary<IdChoice> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<IdChoice>({ kind: 'target' }) },
      { weight: 1, arbitrary: fc.constant<IdChoice>({ kind: 'target-upper' }) },
      { weight: 1, arbitrary: fc.constant<IdChoice>({ kind: 'other' }) },
      { weight: 3, arbitrary: hostileIdSegment.map((segment): IdChoice => ({ kind: 'hostile', segment })) },
    );

  const headerChoice = (spec: RouteSpec): Arbitrary<HeaderChoice> =>
    fc.record(
      {
        contentType: fc.oneof(
          { weight: 8, arbitrary: fc.constant(spec.contentType ?? 'application/json') },
          { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
          { weight: 1, arbitrary: headerValue },
        ),
        contentEncoding: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-evil', 'gzip, deflate', 'GZIP', 'valid-gzip'),
        requestId: fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
          headerValue,
          // Huge, but with the path and token still under Node's 16 KiB header limit (see owasp.test.ts).
          fc.integer({ min: 129, max: 4_000 }).map((length) => 'r'.repeat(length)),
          fc.constant('id\u00e9"<script>'),
        ),
        extra: fc.tuple(fc.constantFrom('x-forwarded-for', 'origin', 'accept', 'cookie', 'x-http-method-override', 'x-original-url', 'forwarded', 'accept-language'), headerValue),
      },
      { requiredKeys: ['contentType'] },
    );

  const bodyChoice = (spec: RouteSpec): Arbitrary<BodyChoice> =>
    fc.oneof(
      { weight: spec.fields ? 6 : 0, arbitrary: nearValid(spec.fields ?? ['x']).map((near): BodyChoice => ({ kind: 'near', near })) },
      { weight: 2, arbitrary: fc.oneof(fc.anything({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string(), maliciousValue, { maxKeys: 5 })).map((value): BodyChoice => ({ kind: 'value', value })) },
      { weight: 2, arbitrary: hostileJsonText.map((text): BodyChoice => ({ kind: 'raw', text })) },
      { weight: 1, arbitrary: fc.constant<BodyChoice>({ kind: 'none' }) },
    );

  const requestChoice = (spec: RouteSpec): Arbitrary<RequestChoice> =>
    fc.record({
      actor: fc.constantFrom(...spec.actors),
      garbageAuth: garbageAuthorization(),
      id: spec.targetIds === false ? hostileIdSegment.map((segment): IdChoice => ({ kind: 'hostile', segment })) : idChoice(),
      sessionId: fc.oneof(
        { weight: 1, arbitrary: fc.constant<IdChoice>({ kind: 'other' }) },
        { weight: 3, arbitrary: hostileIdSegment.map((segment): IdChoice => ({ kind: 'hostile', segment })) },
      ),
      query: spec.queryKeys ? hostileQuery(spec.queryKeys) : fc.constant(''),
      body: bodyChoice(spec),
      headers: headerChoice(spec),
    });

  function actorUser(actor: ActorKind): { self: string; target: string; other: string } {
    // The admin acts on two disposable users; the owner acts on themselves, "other" being the admin (a 404 to them).
    return actor === 'admin' ? { self: ctx.admin.id, target: adminTarget.id, other: adminOther.id } : { self: owner.id, target: owner.id, other: ctx.admin.id };
  }

  function resolveId(choice: IdChoice, actor: ActorKind): string {
    const ids = actorUser(actor);
    switch (choice.kind) {
      case 'target':
        return ids.target;
      case 'target-upper':
        return ids.target.toUpperCase();
      case 'other':
        return ids.other;
      case 'hostile':
        return choice.segment;
    }
  }

  /**
   * A real session that is never the one under the path's user: the admin gets a third user's, the
   * owner the admin's (invisible to them). Revoking a fixture's own session would end the fixture.
   */
  function resolveSessionId(choice: IdChoice, actor: ActorKind): string {
    if (choice.kind === 'hostile') return choice.segment;
    return actor === 'admin' ? donorSessionId : adminSessionId;
  }

  function authorization(choice: RequestChoice): string | undefined {
    switch (choice.actor) {
      case 'admin':
        return `Bearer ${ctx.admin.token}`;
      case 'owner':
        return `Bearer ${owner.token}`;
      case 'anonymous':
        return undefined;
      case 'garbage':
        return choice.garbageAuth;
    }
  }

  interface Built {
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string | Buffer;
    sentJson?: Record<string, unknown>;
  }

  function build(spec: RouteSpec, choice: RequestChoice, headerMix: boolean): Built {
    const path =
      spec.path.replace(':id', resolveId(choice.id, choice.actor)).replace(':sid', resolveSessionId(choice.sessionId, choice.actor)) + (choice.query ? `?${choice.query}` : '');
    const headers: Record<string, string> = {};
    const auth = authorization(choice);
    if (auth !== undefined) headers.authorization = auth;
    let body: string | Buffer | undefined;
    let sentJson: Record<string, unknown> | undefined;
    const canHaveBody = spec.method !== 'GET' && spec.method !== 'HEAD';
    if (canHaveBody) {
      switch (choice.body.kind) {
        case 'near':
          sentJson = applyNearValid(spec.template?.(choice.actor) ?? {}, choice.body.near);
          body = JSON.stringify(sentJson);
          break;
        case 'value':
          body = JSON.stringify(choice.body.value);
          break;
        case 'raw':
          body = choice.body.text;
          break;
        case 'none':
          break;
      }
    }
    if (body !== undefined) headers['content-type'] = headerMix ? choice.headers.contentType ?? 'application/json' : spec.contentType ?? 'application/json';
    if (headerMix) {
      const { contentEncoding, requestId, extra } = choice.headers;
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      if (extra !== undefined) headers[extra[0]] = extra[1];
      if (contentEncoding !== undefined && body !== undefined) {
        if (contentEncoding === 'valid-gzip') {
          headers['content-encoding'] = 'gzip';
          body = gzipSync(body);
        } else {
          headers['content-encoding'] = contentEncoding;
        }
      }
    }
    return { method: spec.method, path, headers, body, sentJson };
  }

  async function send({ method, path, headers, body }: Built): Promise<HttpResponse> {
    const response = await fetch(`${ctx.server.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('content-type') ?? '') && text.length > 0) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  const describeRequest = (built: Built) => `${built.method} ${built.path.slice(0, 300)} ${JSON.stringify(built.headers).slice(0, 300)} ${String(built.body ?? '').slice(0, 300)}`;

  /** What an accepted write answered must be what is stored, byte for byte (no injection, no loss). */
  async function expectStoredAsAnswered(body: Record<string, unknown>): Promise<void> {
    const [row] = await sql(ctx.server, 'select username, email, first_name as "firstName", last_name as "lastName", phone, role, is_active as "isActive", email_verified as "emailVerified" from users where id = ?', [body.id]);
    expect(row).toEqual(Object.fromEntries(['username', 'email', 'firstName', 'lastName', 'phone', 'role', 'isActive', 'emailVerified'].map((field) => [field, body[field]])));
  }

  async function exercise(spec: RouteSpec, choice: RequestChoice, headerMix: boolean): Promise<void> {
    const built = build(spec, choice, headerMix);
    const response = await send(built);
    const what = describeRequest(built);
    let refused: boolean;
    try {
      refused = checkRestResponse(response, built.method);
      const sentId = built.headers['x-request-id'];
      const echoed = response.headers.get('x-request-id');
      expect(echoed).toEqual(sentId !== undefined && VALID_REQUEST_ID.test(sentId) ? sentId : expect.stringMatching(/^[0-9a-f-]{36}$/));
    } catch (error) {
      throw new Error(`${(error as Error).message}\nrequest: ${what}`);
    }
    await guard.settle(refused, what);
    if (!refused && typeof response.body === 'object' && response.body !== null && 'username' in response.body) {
      await expectStoredAsAnswered(response.body);
      // A plain user never gains a role, a status or a verified email by writing to themselves.
      if (choice.actor === 'owner') expect(response.body).toMatchObject({ role: 'user', isActive: true, emailVerified: false });
    }
  }

  // -------------------------------------------------------------------------------------------
  // The routes
  // -------------------------------------------------------------------------------------------

  const USER_LIST_KEYS = ['q', 'role', 'isActive', 'emailVerified', 'createdAfter', 'createdBefore', 'page', 'limit', 'sort'];
  const AUDIT_KEYS = ['userId', 'entityType', 'entityId', 'action', 'from', 'to', 'page', 'limit'];

  const profile = () => {
    const input = userInput();
    return { username: input.username, email: input.email, firstName: 'Fuzz', lastName: input.lastName, phone: '+14155550123' };
  };

  const ROUTES: RouteSpec[] = [
    {
      method: 'POST',
      path: '/v1/users',
      actors: ['anonymous', 'admin', 'owner'],
      fields: ['username', 'email', 'password', 'firstName', 'lastName', 'phone'],
      template: () => userInput(),
    },
    { method: 'GET', path: '/v1/users', actors: ['admin', 'owner', 'anonymous'], queryKeys: USER_LIST_KEYS },
    { method: 'GET', path: '/v1/users/:id', actors: ['admin', 'owner'], queryKeys: ['fields', 'include'] },
    { method: 'PUT', path: '/v1/users/:id', actors: ['admin', 'owner'], fields: PROFILE_FIELDS, template: profile },
    {
      method: 'PATCH',
      path: '/v1/users/:id',
      actors: ['admin', 'owner'],
      fields: PROFILE_FIELDS,
      template: () => ({ lastName: `Patched${randomBytes(3).toString('hex')}` }),
      contentType: 'application/merge-patch+json',
    },
    { method: 'DELETE', path: '/v1/users/:id', actors: ['admin', 'owner'], targetIds: false },
    {
      method: 'POST',
      path: '/v1/users/:id/password',
      actors: ['admin', 'owner'],
      fields: ['currentPassword', 'newPassword'],
      // The owner never knows the current password here, so the owner's change is always refused.
      template: (actor) => (actor === 'admin' ? { newPassword: strongPassword() } : { currentPassword: 'Not-the-passw0rd!', newPassword: strongPassword() }),
    },
    { method: 'GET', path: '/v1/users/:id/sessions', actors: ['admin', 'owner'] },
    { method: 'DELETE', path: '/v1/users/:id/sessions/:sid', actors: ['admin', 'owner'] },
    { method: 'GET', path: '/v1/users/:id/audit-logs', actors: ['admin', 'owner'], queryKeys: ['page', 'limit'] },
    { method: 'GET', path: '/v1/audit-logs', actors: ['admin', 'owner', 'anonymous'], queryKeys: AUDIT_KEYS },
    {
      method: 'POST',
      path: '/v1/auth/login',
      actors: ['anonymous'],
      fields: ['username', 'password'],
      template: () => ({ username: loginVictim.username, password: 'Wrong-passw0rd!' }),
    },
    {
      method: 'POST',
      path: '/v1/auth/refresh',
      actors: ['anonymous'],
      fields: ['refreshToken'],
      template: () => ({
        refreshToken: [tamperSignature(owner.refreshToken), owner.token, unsignedToken({ ...decodeToken(owner.refreshToken) }), forgeFrom(ctx.server, owner.refreshToken, { sid: adminSessionId })][
          randomBytes(1)[0] % 4
        ],
      }),
    },
    // A valid token would simply be logged out: these two are fuzzed with everything but one.
    { method: 'POST', path: '/v1/auth/logout', actors: ['anonymous', 'garbage'] },
    { method: 'POST', path: '/v1/auth/logout-all', actors: ['anonymous', 'garbage'] },
    { method: 'GET', path: '/v1/auth/validate', actors: ['admin', 'owner', 'anonymous', 'garbage'], queryKeys: ['token'] },
  ];

  describe.each(ROUTES.map((spec) => [`${spec.method} ${spec.path}`, spec] as const))('%s', (_name, spec) => {
    it(
      'answers random and malicious bodies, query strings and ids with a problem, never a 5xx, and writes nothing when it refuses',
      async () => {
        await fc.assert(
          fc.asyncProperty(requestChoice(spec), (choice) => exercise(spec, choice, false)),
          runOptions(),
        );
      },
      propertyTimeout(),
    );

    it(
      'holds the same under hostile headers: Authorization, X-Request-Id, Content-Type and Content-Encoding',
      async () => {
        const withGarbageActor: RouteSpec = { ...spec, actors: [...new Set<ActorKind>([...spec.actors, 'garbage'])] };
        await fc.assert(
          fc.asyncProperty(requestChoice(withGarbageActor), (choice) => exercise(withGarbageActor, choice, true)),
          runOptions(),
        );
      },
      propertyTimeout(),
    );
  });

  it(
    'answers methods and paths that are not routes with a problem',
    async () => {
      const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND');
      const path = fc.oneof(
        fc.constantFrom('/v1', '/v1/', '/v1/auth', '/v1/auth/login/', '/v1/users/:id/password/extra', '/v1/users/:id/sessions/:id/x', '/v2/users', '/v1/users/:id/audit-logs/:id', '/v1//users', '/V1/USERS'),
        fc.array(hostileIdSegment.filter((segment) => segment.length < 200), { minLength: 1, maxLength: 4 }).map((segments) => `/v1/${segments.join('/')}`),
      );
      await fc.assert(
        fc.asyncProperty(method, path, hostileIdSegment, fc.constantFrom<ActorKind>('admin', 'anonymous', 'garbage'), garbageAuthorization(), async (verb, template, id, actor, garbage) => {
          // PATCH/PUT/DELETE on a real id with a valid token would be accepted; only junk ids here.
          const target = template.replaceAll(':id', id);
          const built: Built = { method: verb, path: target, headers: {} };
          if (actor === 'admin') built.headers.authorization = `Bearer ${ctx.admin.token}`;
          if (actor === 'garbage') built.headers.authorization = garbage;
          if (verb !== 'GET' && verb !== 'HEAD') {
            built.body = '{"role":"admin"}';
            built.headers['content-type'] = 'application/json';
          }
          const response = await send(built);
          const refused = checkRestResponse(response, verb);
          await guard.settle(refused, describeRequest(built));
        }),
        runOptions(),
      );
    },
    propertyTimeout(),
  );

  it('keeps the fixture users intact: the owner is still a plain, active user and both tokens still work', async () => {
    const [row] = await sql(ctx.server, 'select role, is_active, email_verified, deleted_at from users where id = ?', [owner.id]);
    expect(row).toEqual({ role: 'user', is_active: true, email_verified: false, deleted_at: null });
    for (const [who, token] of [['admin', ctx.admin.token], ['owner', owner.token]]) {
      const response = await fetch(`${ctx.server.url}/v1/auth/validate`, { headers: { authorization: `Bearer ${token}` } });
      expect({ who, status: response.status }).toEqual({ who, status: 200 });
    }
    // The login victim's password was never guessed.
    const response = await fetch(`${ctx.server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: loginVictim.username, password: DEFAULT_PASSWORD }),
    });
    expect([200, 429]).toContain(response.status);
  });
});
