import type { Request, Response } from 'express';
import { type GraphQLField, type GraphQLObjectType, type GraphQLResolveInfo, type GraphQLSchema, isObjectType } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import type { ContainerType } from 'type-graphql';
import type { Services } from '../../src/app/container';
import { restRoutersOf } from '../../src/app/http-app';
import { buildOpenApiDocument } from '../../src/http/openapi.document';
import { routeGuard, routesOf } from '../../src/http/route.guard';
import { buildGraphQLSchema } from '../../src/graphql/schema';
import { assertEnrolledFor, graphqlFieldsOf, type Operation, type OperationName, operationOfField, operationOfRoute, operations, rateCategoryOf } from '../../src/context/operation.table';
import { MfaEnrolmentRequiredError } from '../../src/platform/errors/domain.errors';
import type { RateBucket, RateCategory } from '../../src/platform/rate-limit/rate-limit.policy';
import { RateLimitService } from '../../src/platform/rate-limit/rate-limit.service';
import type { RateDecision, RateLimiter } from '../../src/platform/rate-limit/rate.limiter';
import { loadConfig } from '../../src/platform/config/config';
import { UserRole } from '../../src/users/user-role';

/** Remembers which bucket each call spent from and refuses it, so no handler or resolver runs. */
class RecordingLimiter implements RateLimiter {
  readonly rejections = 0;
  readonly spent: string[] = [];
  async consume(bucket: RateBucket): Promise<RateDecision> {
    this.spent.push(bucket.key);
    return { allowed: false, limit: bucket.rule.limit, remaining: 0, resetSeconds: 1 };
  }
  /** The category of the last call: the bucket key's first part (`read:user:<id>`). */
  last(): RateCategory | undefined {
    return this.spent.at(-1)?.split(':')[0] as RateCategory | undefined;
  }
}

const noResolvers: ContainerType = {
  get: () => {
    throw new Error('no resolver runs in this test');
  },
};

const entries = Object.entries(operations) as [OperationName, Operation][];
const limits = loadConfig({}).rateLimit.limits;
const admin = { id: '00000000-0000-4000-8000-000000000001', role: UserRole.ADMIN };

function mountedRoutes(): string[] {
  const routers = restRoutersOf({} as Services, () => undefined);
  return Object.entries(routers).flatMap(([prefix, router]) => routesOf(`/v1${prefix}`, router).map(({ method, path }) => `${method.toUpperCase()} ${path}`));
}

function rootFields(schema: GraphQLSchema): [string, GraphQLField<unknown, unknown>][] {
  return [schema.getQueryType(), schema.getMutationType()].flatMap((type) => (type ? Object.values(type.getFields()).map((field) => [`${type.name}.${field.name}`, field] as [string, GraphQLField<unknown, unknown>]) : []));
}

/** The category REST spends for this route and caller, through the route guard itself. */
async function restCategory(route: string, actor: typeof admin | null): Promise<RateCategory | undefined> {
  const limiter = new RecordingLimiter();
  const [method, path] = route.split(' ');
  const req = { method, baseUrl: path, route: { path: '/' }, path } as unknown as Request;
  const res = { locals: { ctx: { actor, ipAddress: '203.0.113.7' } }, setHeader: () => undefined } as unknown as Response;
  const errors: unknown[] = [];
  await routeGuard(new RateLimitService(limiter, limits, true))(req, res, (error?: unknown) => errors.push(error));
  expect(errors).toEqual([expect.objectContaining({ code: 'RATE_LIMITED' })]);
  return limiter.last();
}

/** The category GraphQL spends for this root field and caller, through the field's wrapped resolver. */
async function graphqlCategory(schema: GraphQLSchema, limiter: RecordingLimiter, coordinate: string, actor: typeof admin | null): Promise<RateCategory | undefined> {
  const [typeName, fieldName] = coordinate.split('.');
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(typeName);
  await expect(call(type.getFields()[fieldName], type, actor)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  return limiter.last();
}

/** Calls a field's resolver as execution would, a synchronous throw included. */
async function call(field: GraphQLField<unknown, unknown> | undefined, parentType: GraphQLObjectType, actor: { id: string; role: UserRole } | null): Promise<unknown> {
  const info = { parentType, fieldName: field?.name } as unknown as GraphQLResolveInfo;
  return field?.resolve?.(undefined, {}, { actor, ipAddress: '203.0.113.7' }, info);
}

describe('the operation table', () => {
  it('has exactly one entry for every mounted REST route, and names no route that is not mounted', () => {
    const mounted = mountedRoutes();
    const named = entries.flatMap(([, operation]) => operation.rest);
    expect(mounted.length).toBeGreaterThan(10);
    expect([...named].sort()).toEqual([...mounted].sort());
    expect(new Set(named).size).toBe(named.length);
  });

  it('has exactly one entry for every GraphQL root field, and names no field the schema lacks', async () => {
    const fields = rootFields(await buildGraphQLSchema(noResolvers)).map(([coordinate]) => coordinate);
    const named = entries.flatMap(([, operation]) => graphqlFieldsOf(operation));
    expect(fields.length).toBeGreaterThan(10);
    expect([...named].sort()).toEqual([...fields].sort());
    expect(new Set(named).size).toBe(named.length);
  });

  it('finds an operation by route (HEAD as GET) and by field, and nothing else', () => {
    expect(operationOfRoute('get', '/v1/users/:id')).toBe('getUser');
    expect(operationOfRoute('HEAD', '/v1/users/:id')).toBe('getUser');
    expect(operationOfRoute('PATCH', '/v1/users/:id')).toBe('updateUser');
    expect(operationOfRoute('POST', '/v1/users/:id')).toBeUndefined();
    expect(operationOfRoute('GET', '/v1/users/')).toBeUndefined();
    expect(operationOfField('Mutation', 'createUser')).toBe('createUser');
    expect(operationOfField('Query', 'createUser')).toBeUndefined();
  });

  it('spends a sign-up from its own bucket and an admin creating an account from writes', () => {
    expect(rateCategoryOf('createUser', false)).toBe('signup');
    expect(rateCategoryOf('createUser', true)).toBe('write');
    expect(rateCategoryOf('login', true)).toBe('auth');
    expect(rateCategoryOf('listUsers', false)).toBe('read');
    expect(rateCategoryOf('deleteUser', true)).toBe('write');
  });

  // signIn and verifyMfa are credentials too (issue 16); so are the mailed links' tokens and the reset request (issue 14).
  it('gates every operation that changes or reveals an account, and only credentials and sign-up are open', () => {
    const open = entries.filter(([, operation]) => operation.requires === 'anyone').map(([name]) => name);
    expect(open.sort()).toEqual(['confirmEmailChange', 'createUser', 'login', 'passkeyLogin', 'refreshToken', 'requestPasswordReset', 'resetPassword', 'signIn', 'verifyEmail', 'verifyMfa']);
    expect(operations.listUsers.requires).toBe('moderator');
    expect(operations.auditLogs.requires).toBe('admin');
    expect(operations.userAuditLogs.requires).toBe('admin');
  });

  it('names an audit action for every write and none for reads', () => {
    for (const [name, operation] of entries) {
      const category = rateCategoryOf(name, true);
      expect({ name, audits: operation.audit.length > 0 }).toEqual({ name, audits: category !== 'read' });
    }
  });
});

describe('both doors read the operation table', () => {
  it('REST and GraphQL spend the same bucket for the same operation and caller', async () => {
    const limiter = new RecordingLimiter();
    const schema = await buildGraphQLSchema(noResolvers, new RateLimitService(limiter, limits, true));
    for (const [name, operation] of entries) {
      const callers = operation.requires === 'anyone' ? [null, admin] : [admin];
      for (const actor of callers) {
        const expected = rateCategoryOf(name, actor !== null);
        for (const route of operation.rest) expect({ route, category: await restCategory(route, actor) }).toEqual({ route, category: expected });
        for (const field of graphqlFieldsOf(operation)) expect({ field, category: await graphqlCategory(schema, limiter, field, actor) }).toEqual({ field, category: expected });
      }
    }
  });

  it('REST spends the anonymous bucket before the service answers 401', async () => {
    expect(await restCategory('GET /v1/users', null)).toBe('read');
    expect(await restCategory('DELETE /v1/users/:id', null)).toBe('write');
  });

  it('GraphQL gates each root field with its role, and refuses an anonymous caller before spending', async () => {
    const schema = await buildGraphQLSchema(noResolvers);
    for (const [coordinate, field] of rootFields(schema)) {
      const name = operationOfField(...(coordinate.split('.') as [string, string])) as OperationName;
      const auth = getDirective(schema, field, 'auth')?.[0] as { requires: string } | undefined;
      const requires = operations[name].requires;
      expect({ coordinate, auth: auth?.requires }).toEqual({ coordinate, auth: requires === 'anyone' ? undefined : requires.toUpperCase() });
    }
    const limiter = new RecordingLimiter();
    const guarded = await buildGraphQLSchema(noResolvers, new RateLimitService(limiter, limits, true));
    const query = guarded.getQueryType() as GraphQLObjectType;
    await expect(call(query.getFields().users, query, null)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(call(query.getFields().users, query, { ...admin, role: UserRole.USER })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(limiter.spent).toEqual([]);
  });

  it('prints in @rateLimit the limits of the instance it was built for', async () => {
    const custom = { ...limits, readPerUser: { limit: 4, windowSeconds: 3600 }, signupPerIp: { limit: 3, windowSeconds: 600 } };
    const schema = await buildGraphQLSchema(noResolvers, new RateLimitService(new RecordingLimiter(), custom, true));
    const rateLimitOf = (type: 'Query' | 'Mutation', field: string) => getDirective(schema, (type === 'Query' ? schema.getQueryType() : schema.getMutationType())!.getFields()[field], 'rateLimit')?.[0];
    expect(rateLimitOf('Query', 'me')).toEqual({ bucket: 'READ', limit: 4, duration: 3600 });
    expect(rateLimitOf('Mutation', 'createUser')).toEqual({ bucket: 'SIGNUP', limit: 3, duration: 600 });
    expect(rateLimitOf('Mutation', 'login')).toEqual({ bucket: 'AUTH', limit: limits.authPerIp.limit, duration: limits.authPerIp.windowSeconds });
  });

  it('the OpenAPI document shows each route’s role, bucket, audit actions and security from the table', () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const route of mountedRoutes()) {
      const [method, path] = route.split(' ');
      const described = document.paths[path.replace(/:(\w+)/g, '{$1}')][method.toLowerCase()];
      const name = operationOfRoute(method, path) as OperationName;
      const { requires, audit } = operations[name];
      expect({ route, role: described['x-required-role'], audit: described['x-audit-actions'] }).toEqual({ route, role: requires, audit });
      expect(described['x-rate-limit-bucket']).toEqual({ anonymous: rateCategoryOf(name, false), signedIn: rateCategoryOf(name, true) });
    }
    expect(document.paths['/v1/auth/login'].post.security).toEqual([]);
    expect(document.paths['/v1/users'].post.security).toEqual([{}, { bearerAuth: [] }]);
    expect(document.paths['/v1/users'].get.security).toEqual([{ bearerAuth: [] }]);
  });

  it('lets a caller who must enrol a second factor sign in and out and enrol, and nothing else (MFA_REQUIRED_ROLES)', () => {
    const open = entries.filter(([, operation]) => operation.beforeEnrolment).map(([name]) => name).sort();
    expect(open).toEqual(['confirmEmailChange', 'confirmTotp', 'listPasskeys', 'login', 'logout', 'logoutAll', 'me', 'mfaStatus', 'passkeyLogin', 'refreshToken', 'registerPasskey', 'requestEmailVerification', 'requestPasswordReset', 'resetPassword', 'setupTotp', 'signIn', 'validateToken', 'verifyEmail', 'verifyMfa']);
    expect(() => assertEnrolledFor('listUsers', { mustEnrolMfa: true })).toThrow(MfaEnrolmentRequiredError);
    expect(() => assertEnrolledFor('disableTotp', { mustEnrolMfa: true })).toThrow(MfaEnrolmentRequiredError);
    expect(() => assertEnrolledFor('setupTotp', { mustEnrolMfa: true })).not.toThrow();
    expect(() => assertEnrolledFor('registerPasskey', { mustEnrolMfa: true })).not.toThrow();
    expect(() => assertEnrolledFor('renamePasskey', { mustEnrolMfa: true })).toThrow(MfaEnrolmentRequiredError);
    expect(() => assertEnrolledFor('listUsers', {})).not.toThrow();
    expect(() => assertEnrolledFor('listUsers', null)).not.toThrow();
  });
});
