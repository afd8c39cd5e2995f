import fc, { type Arbitrary, type Parameters } from 'fast-check';
import { sql } from './auth';
import type { HttpResponse } from './http';
import type { TestServer } from './test-server';

/*
 * Shared pieces of the load-and-abuse suites (tests/abuse): how many property runs, the malicious
 * values every fuzzer draws from, the database fingerprint that proves a refused request wrote
 * nothing, and the checks every error response must pass.
 */

/** Property runs per property: small under `npm test`, large under `npm run test:abuse` (ABUSE_RUNS=500). */
export const ABUSE_RUNS = Math.max(1, Number(process.env.ABUSE_RUNS ?? 25));
/** Set ABUSE_SEED to replay a failure; fast-check prints the seed and path of every failing run. */
export const ABUSE_SEED = process.env.ABUSE_SEED === undefined ? undefined : Number(process.env.ABUSE_SEED);

export function runOptions<T>(overrides: Parameters<T> = {}): Parameters<T> {
  return { numRuns: ABUSE_RUNS, ...(ABUSE_SEED === undefined ? {} : { seed: ABUSE_SEED }), ...overrides };
}

/** A jest timeout that grows with the run count: `perRunMs` per property run on top of a base. */
export const propertyTimeout = (perRunMs = 120) => 20_000 + ABUSE_RUNS * perRunMs;

// ---------------------------------------------------------------------------------------------
// Values an attacker sends
// ---------------------------------------------------------------------------------------------

export const SQL_INJECTIONS = [
  "' OR 1=1 --",
  "admin'--",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "1; UPDATE users SET role='admin' --",
  "' UNION SELECT password_hash, null FROM users --",
  "\" OR \"\"=\"",
  "%' OR 1=1 --",
  "\\'; SELECT pg_sleep(5); --",
  "') OR ('a'='a",
  '$1',
  '?',
  '1 OR 1=1',
  "E'\\x00'",
];

/** Objects of the kind that turn into operators in document stores and naive query builders. */
export const OPERATOR_OBJECTS: unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(1000)' },
  { $regex: '.*' },
  { $in: ['admin', 'moderator'] },
  { $or: [{}] },
  { $like: '%' },
  { $raw: 'true' },
  ['admin'],
  [],
  {},
];

export const UNICODE_SAMPLES = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u202Eevil\u202C',
  '\u200F\u0627\u0644\u0639\u0631\u0628\u064A\u0629',
  '\uFEFFbom',
  '\u200B',
  '💥🔥',
  'İıſK',
  'ß',
  'Ａｄｍｉｎ',
  'e\u0301\u0301\u0301',
  '\r\n\t',
  '\u2028\u2029',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '../../../etc/passwd',
  '%00%2e%2e%2f',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
];

/** Instants at and past the edges of what JavaScript, GraphQL's DateTime and PostgreSQL accept. */
export const DATE_SAMPLES = [
  '0000-01-01T00:00:00Z',
  '0000-01-01',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2020-02-30T00:00:00Z',
  '2020-01-01T25:61:61Z',
  '2020-01-01T00:00:00+99:00',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Up to the size of a body that still fits the 100 kB limit, and beyond. */
export const hugeString: Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', '💥', '\u0000', "' OR 1=1 --", '\\', '"', 'é'), fc.integer({ min: 200, max: 40_000 }))
  .map(([unit, count]) => unit.repeat(count));

export const maliciousString: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SQL_INJECTIONS, ...UNICODE_SAMPLES) },
  { weight: 1, arbitrary: fc.constantFrom(...DATE_SAMPLES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(loneSurrogate, fc.string({ maxLength: 3 })), { maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.constant('') },
);

/** Anything that could sit where a field's value is expected: wrong types, operators, strings. */
export const maliciousValue: Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: maliciousString },
  { weight: 2, arbitrary: fc.constantFrom(...OPERATOR_OBJECTS) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(maliciousString, { maxLength: 3 }) },
);

/** Fields no client may set, on any door. */
export const PROTECTED_FIELDS = ['role', 'isActive', 'emailVerified', 'id', 'createdAt', 'updatedAt', 'deletedAt', 'passwordHash', 'password_hash', 'lastLoginAt', 'sessions'];

/**
 * A valid body with some fields replaced, dropped or added: the kind of input that gets past the
 * first check and must be stopped by a later one. The template is made fresh per run (unique names).
 */
export interface NearValid {
  overrides: Record<string, unknown>;
  drop: string[];
}

export function nearValid(fields: readonly string[]): Arbitrary<NearValid> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fields) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTECTED_FIELDS) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknown', '$where', '') },
    { weight: 1, arbitrary: maliciousString.filter((text) => text.length < 64) },
  );
  return fc.record({
    overrides: fc.dictionary(key, maliciousValue, { minKeys: 1, maxKeys: 3 }),
    drop: fc.subarray([...fields], { maxLength: Math.min(2, fields.length) }),
  });
}

export function applyNearValid(template: Record<string, unknown>, { overrides, drop }: NearValid): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) if (!drop.includes(key)) body[key] = value;
  // defineProperty: a "__proto__" override must stay an own, serialised key.
  for (const [key, value] of Object.entries(overrides)) Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
  return body;
}

/** JSON texts that are hostile by their structure rather than their values. */
export const hostileJsonText: Arbitrary<string> = fc.oneof(
  // Deep nesting up to (and past) the 100 kB body limit.
  fc.integer({ min: 100, max: 60_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.tuple(fc.constantFrom('username', 'email', 'password', 'firstName', 'refreshToken', 'newPassword', 'role'), fc.integer({ min: 50, max: 15_000 })).map(
    ([field, depth]) => `{"${field}":${'{"$gt":'.repeat(depth)}""${'}'.repeat(depth)}}`,
  ),
  // Prototype pollution attempts.
  fc.constantFrom(
    '{"__proto__":{"role":"admin","isAdmin":true}}',
    '{"constructor":{"prototype":{"role":"admin"}}}',
    '{"__proto__":{"__proto__":{"polluted":true}},"firstName":"Proto"}',
    '{"prototype":{"role":"admin"}}',
    '{"firstName":"Dup","firstName":{"$gt":""}}',
    '{"role":"user","role":"admin"}',
  ),
  // Not JSON, or JSON a body must not be.
  fc.constantFrom('{', '}', '{"a":1,}', "{'a':1}", 'NaN', '\uFEFF{}', '[]', '"text"', '1', 'null', 'true', '', ' ', '{"a":1}{"b":2}', '{"a":"\\ud800"}', '{"a":"\\u0000"}'),
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=x-evil',
  'application/vnd.evil+json',
  'application/json, text/plain',
  'application/json;;;',
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----abuse',
  'application/octet-stream',
  '*/*',
  'json',
];

/** Header values fetch will send: printable ASCII and Latin-1, no CR, LF or NUL. */
export const headerValue: Arbitrary<string> = fc
  .array(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) }, { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }) }), {
    minLength: 1,
    maxLength: 200,
  })
  .map((codes) => String.fromCharCode(...codes));

/** Percent-encodes UTF-8 bytes the way a client would, lone surrogates included (as U+FFFD). */
export function pct(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'), (byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Path segments that are not the id of anything: malformed, traversal, injection, unknown UUIDs. */
export const hostileIdSegment: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.uuid().map((id) => id) },
  { weight: 3, arbitrary: maliciousString.filter((text) => text.length > 0 && text.length < 2000).map(pct) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '..%2F..%2Fauth%2Fvalidate',
      '%2e%2e%2f%2e%2e%2f',
      '..%5C..%5C',
      '%252e%252e%252f',
      '%E0%A4%A',
      '%',
      '%zz',
      '%00',
      '00000000-0000-0000-0000-000000000000%00',
      '00000000-0000-0000-0000-000000000000%20OR%201%3D1',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '00000000-0000-0000-0000-00000000000g',
      '{00000000-0000-0000-0000-000000000000}',
      'me',
      'null',
      '0',
      '-1',
      '1e9',
      'a'.repeat(5000),
    ),
  },
);

export const QUERY_KEYS_EXTRA = ['__proto__', 'constructor[prototype][role]', 'a[b]', 'a[]', 'page[]', 'limit[$gt]', 'q[$ne]', '', 'role[0]', 'sort[field]'];

/** A raw query string: known and unknown keys, repeated keys, arrays, injections, bad escapes. */
export function hostileQuery(knownKeys: readonly string[]): Arbitrary<string> {
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...knownKeys) }, { weight: 2, arbitrary: fc.constantFrom(...QUERY_KEYS_EXTRA) }, { weight: 1, arbitrary: maliciousString.filter((text) => text.length < 40) });
  const value = fc.oneof(
    { weight: 4, arbitrary: maliciousString.filter((text) => text.length < 2000).map(pct) },
    {
      weight: 3,
      arbitrary: fc.constantFrom('1', '0', '100', '101', '999999999', '1e3', '-5', 'true', 'false', 'admin', 'user', '-createdAt', 'username', '2020-01-01', '0000-01-01', '9999-12-31T23:59:59Z', '2020-02-30', 'now', '%E0%A4%A', '%zz', '%00'),
    },
  );
  return fc.array(fc.tuple(key, value), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${v}`).join('&'));
}

// ---------------------------------------------------------------------------------------------
// What must hold
// ---------------------------------------------------------------------------------------------

export interface DbFingerprint {
  users: number;
  sessions: number;
  passwordHistory: number;
  usersChecksum: string | null;
  sessionsChecksum: string | null;
  passwordHistoryChecksum: string | null;
}

/** Row counts and checksums of every table a request may write, except the append-only audit trail. */
export async function dbFingerprint(server: TestServer): Promise<DbFingerprint> {
  const [row] = await sql<DbFingerprint>(
    server,
    `select (select count(*)::int from users) as "users",
            (select count(*)::int from sessions) as "sessions",
            (select count(*)::int from password_history) as "passwordHistory",
            (select md5(string_agg(t::text, ',' order by id)) from users t) as "usersChecksum",
            (select md5(string_agg(t::text, ',' order by id)) from sessions t) as "sessionsChecksum",
            (select md5(string_agg(t::text, ',' order by id)) from password_history t) as "passwordHistoryChecksum"`,
  );
  return row;
}

/** Stack frames, source paths and driver errors: none may ever reach a client. */
export const LEAK_PATTERN = /\bat (?:async )?\S+ \((?:\/|node:|file:)[^)]*\)|\n\s+at \S|node_modules\/|\/work\/main\/|DriverException|\.ts:\d+:\d+/;

/** The parts of a problem that come from the server rather than echo the request (instance does). */
export function serverWords(body: Record<string, unknown>): string {
  const { instance: _instance, ...rest } = body;
  return JSON.stringify(rest);
}

/**
 * Every REST answer: never a 5xx; every error a well-formed RFC 9457 problem whose status is the
 * HTTP status; no internals in it. Returns whether the request was refused (status >= 400).
 */
export function checkRestResponse(response: HttpResponse, method: string): boolean {
  if (response.status >= 500) throw new Error(`${response.status} from the server: ${response.text.slice(0, 500)}`);
  if (response.status < 400) return false;
  if (method === 'HEAD') return true;
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^\/problems\/[a-z-]+$/),
      title: expect.any(String),
      status: response.status,
      detail: expect.any(String),
      requestId: response.headers.get('x-request-id'),
    }),
  );
  expect(serverWords(response.body)).not.toMatch(LEAK_PATTERN);
  return true;
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

/**
 * Every GraphQL answer: never a 5xx; every error has an extensions.code that is not
 * INTERNAL_SERVER_ERROR and no stack trace. Returns whether the operation was refused (any error).
 */
export function checkGraphQLResponse(response: HttpResponse<GraphQLBody>): boolean {
  if (response.status >= 500) throw new Error(`${response.status} from the server: ${response.text.slice(0, 500)}`);
  if (/problem\+json/.test(response.headers.get('content-type') ?? '')) {
    // express.json refused the body before Apollo saw it: the REST edge's problem format.
    return checkRestResponse(response, 'POST');
  }
  expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
  const body = response.body;
  expect(typeof body).toBe('object');
  expect(body.errors !== undefined || body.data !== undefined).toBe(true);
  for (const error of body.errors ?? []) {
    expect(error.extensions?.code).toEqual(expect.any(String));
    if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') throw new Error(`INTERNAL_SERVER_ERROR: ${response.text.slice(0, 500)}`);
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
    expect(error.message).not.toMatch(LEAK_PATTERN);
  }
  return (body.errors?.length ?? 0) > 0;
}

/**
 * Runs one request and holds the database to it: a refused request must leave users, sessions and
 * password history exactly as they were. `last` carries the fingerprint from request to request,
 * so each costs one extra statement; an accepted request simply moves the baseline.
 */
export class WriteGuard {
  private last: DbFingerprint | undefined;

  constructor(private readonly server: TestServer) {}

  async baseline(): Promise<void> {
    this.last = await dbFingerprint(this.server);
  }

  /** Call after a request; `refused` says whether it was refused. */
  async settle(refused: boolean, what: string): Promise<void> {
    const now = await dbFingerprint(this.server);
    const before = this.last;
    this.last = now;
    if (refused && before !== undefined) {
      expect({ request: what, db: now }).toEqual({ request: what, db: before });
    }
  }
}
