import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import { ConfigError, loadConfig } from '../../src/platform/config/config';
import { redactSqlLiterals, startTracing, tracesUrl } from '../../src/platform/observability/tracing';
import { buildApi, type BuiltApi } from '../support/api-process';
import { keysWithPrefix, rawRedis } from '../support/redis-tools';
import { dropDatabase, PG_ADMIN_URL, REDIS_AVAILABLE, REDIS_URL } from '../support/test-server';

const ROOT = path.resolve(__dirname, '../..');

/** Modules that startTracing loads; none of them may be loaded while tracing is off. */
const SDK_MODULES = [
  '@opentelemetry/sdk-node',
  '@opentelemetry/exporter-trace-otlp-proto',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-express',
  '@opentelemetry/instrumentation-graphql',
  '@opentelemetry/instrumentation-pg',
  '@opentelemetry/instrumentation-ioredis',
];

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** The JSON after `TAG ` on the child's stdout. */
function reported<T>(result: ChildResult, tag: string): T {
  const line = result.stdout.split('\n').find((text) => text.startsWith(`${tag} `));
  if (result.code !== 0 || !line) throw new Error(`child failed (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(line.slice(tag.length + 1)) as T;
}

/** The environment of a child, without any OpenTelemetry setting of the machine running the tests. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  return { ...env, ...extra };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  it('the bootstrap starts no SDK and does not even load it', () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const loaded: string[] = [];
    let bootstrap: typeof import('../../src/platform/observability/tracing.bootstrap') | undefined;
    jest.isolateModules(() => {
      for (const name of SDK_MODULES) {
        jest.doMock(name, () => {
          loaded.push(name);
          return {};
        });
      }
      bootstrap = require('../../src/platform/observability/tracing.bootstrap');
    });
    expect(bootstrap?.tracing).toBeNull();
    expect(loaded).toEqual([]);
    // @opentelemetry/api stays the no-op: spans record nothing.
    const span = trace.getTracer('test').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('a malformed endpoint starts nothing either (loadConfig rejects it)', () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'collector:4318';
    let bootstrap: typeof import('../../src/platform/observability/tracing.bootstrap') | undefined;
    jest.isolateModules(() => {
      bootstrap = require('../../src/platform/observability/tracing.bootstrap');
    });
    expect(bootstrap?.tracing).toBeNull();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
  });

  it('startTracing without an endpoint or span processors returns null', () => {
    expect(startTracing()).toBeNull();
    expect(startTracing({ serviceName: 'x', spanProcessors: [] })).toBeNull();
  });
});

describe('tracing pieces', () => {
  it('config validates the OpenTelemetry variables, with service name "user-api" by default', () => {
    expect(loadConfig({}).tracing).toEqual({ otlpEndpoint: undefined, serviceName: 'user-api' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_SERVICE_NAME: 'users-eu' }).tracing).toEqual({
      otlpEndpoint: 'http://otel-collector:4318',
      serviceName: 'users-eu',
    });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('sends to the OTLP traces path under the endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://collector.example/otlp/')).toBe('https://collector.example/otlp/v1/traces');
  });

  it('redacts the values MikroORM inlines into SQL', () => {
    expect(redactSqlLiterals(`insert into "users" ("email", "password_hash") values ('a@b.c', '$argon2id$v=19$m=1024''x')`)).toBe(
      'insert into "users" ("email", "password_hash") values (?, ?)',
    );
    expect(redactSqlLiterals(`select * from "users" where "id" = 'u-1' and "note" = E'it\\'s' limit 1`)).toBe(
      'select * from "users" where "id" = ? and "note" = ? limit 1',
    );
  });
});

/**
 * Instrumentation patches modules through Node's require hooks, which Jest's module loader skips:
 * these run the compiled server in a child `node` process.
 */
describe('tracing on (child node process over the compiled server)', () => {
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const databaseName = `uma_test_${suffix}`;
  const keyPrefix = `uma-test:${suffix}:`;

  // The compiled server, as `npm start` runs it, in a private copy (dist/ may be in use by someone else).
  let build: BuiltApi;
  let DIST: string;

  beforeAll(async () => {
    build = await buildApi();
    DIST = build.dist;
  });

  afterAll(async () => {
    build?.remove();
    await dropDatabase(databaseName);
    if (!REDIS_AVAILABLE) return;
    const redis = rawRedis();
    try {
      const keys = await keysWithPrefix(redis, keyPrefix);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  interface ReportedSpan {
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    kind: number;
    scope: string;
    attributes: Record<string, unknown>;
  }

  it('one trace spans HTTP -> GraphQL resolver -> PostgreSQL, tagged with the request id and user id', async () => {
    const databaseUrl = new URL(PG_ADMIN_URL);
    databaseUrl.pathname = `/${databaseName}`;
    const requestId = `trace-${suffix}`;
    const result = await runNode(
      [path.join(ROOT, 'tests/support/traced-request.js')],
      childEnv({
        TRACED_DIST: DIST,
        TRACED_REQUEST_ID: requestId,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: databaseUrl.toString(),
        // Empty means unset: the in-process stores, when no Redis answers for this run.
        REDIS_URL: REDIS_AVAILABLE ? REDIS_URL : '',
        REDIS_KEY_PREFIX: keyPrefix,
        LOG_LEVEL: 'silent',
        JWT_SECRET: randomBytes(32).toString('hex'),
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
        DB_POOL_MAX: '5',
      }),
    );
    const { userId, status, body, spans } = reported<{ userId: string; status: number; body: any; spans: ReportedSpan[] }>(result, 'TRACED');
    expect(status).toBe(200);
    expect(body.data.me.id).toBe(userId);

    const SERVER = 1;
    const server = spans.find((span) => span.kind === SERVER && span.scope === '@opentelemetry/instrumentation-http');
    expect(server).toBeDefined();
    expect(server?.name).toBe('POST /graphql');
    expect(server?.attributes['http.route']).toBe('/graphql');

    // Everything the request did is in the server span's trace.
    const inTrace = spans.filter((span) => span.traceId === server?.traceId);
    expect(new Set(inTrace.map((span) => span.traceId)).size).toBe(1);
    const byId = new Map(inTrace.map((span) => [span.spanId, span]));
    const ancestors = (span: ReportedSpan): ReportedSpan[] => {
      const chain: ReportedSpan[] = [];
      for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) {
        chain.push(parent);
      }
      return chain;
    };

    const graphql = inTrace.filter((span) => span.scope === '@opentelemetry/instrumentation-graphql');
    expect(graphql.map((span) => span.name)).toEqual(expect.arrayContaining(['query Me', 'graphql.resolve me', 'graphql.resolve me.sessions']));
    const pgQueries = inTrace.filter((span) => span.scope === '@opentelemetry/instrumentation-pg' && span.name.startsWith('pg.query'));
    expect(pgQueries.length).toBeGreaterThan(0);

    // A PostgreSQL query made by a resolver, under the GraphQL execution, under the HTTP request.
    const fromResolver = pgQueries.find((span) => ancestors(span).some((parent) => parent.name === 'graphql.resolve me.sessions'));
    expect(fromResolver).toBeDefined();
    const chain = ancestors(fromResolver as ReportedSpan);
    expect(chain.map((span) => span.name)).toEqual(expect.arrayContaining(['graphql.resolve me', 'query Me', 'POST /graphql']));
    expect(chain[chain.length - 1].spanId).toBe(server?.spanId);
    expect(fromResolver?.attributes['db.system.name']).toBe('postgresql');
    expect(fromResolver?.attributes['db.query.text']).toMatch(/from "sessions"/);
    // No inlined values: the user's id is in the statement only as a placeholder.
    for (const span of pgQueries) expect(String(span.attributes['db.query.text'])).not.toContain(userId);

    // The request id and the user id: on the HTTP server span and on the Express span that set them.
    expect(server?.attributes['app.request_id']).toBe(requestId);
    expect(server?.attributes['enduser.id']).toBe(userId);
    const express = inTrace.find((span) => span.scope === '@opentelemetry/instrumentation-express' && span.attributes['app.request_id'] !== undefined);
    expect(express?.attributes).toMatchObject({ 'app.request_id': requestId, 'enduser.id': userId });
  }, 60_000);

  it('the bootstrap of dist/main.js: off without an endpoint, on with one, and a collector that is down costs nothing', async () => {
    const script = `
      const started = Date.now();
      const { tracing } = require(${JSON.stringify(path.join(DIST, 'platform/observability/tracing.bootstrap.js'))});
      const sdkLoaded = Object.keys(require.cache).some((file) => file.includes('@opentelemetry/sdk-node'));
      const span = require('@opentelemetry/api').trace.getTracer('check').startSpan('check');
      const recording = span.isRecording();
      span.end();
      Promise.resolve(tracing && tracing.shutdown(2000)).then((flushed) => {
        process.stdout.write('BOOTSTRAP ' + JSON.stringify({ started: tracing !== null, sdkLoaded, recording, flushed, ms: Date.now() - started }) + '\\n');
        process.exit(0);
      });
    `;
    const off = reported<Record<string, unknown>>(await runNode(['-e', script], childEnv({})), 'BOOTSTRAP');
    expect(off).toMatchObject({ started: false, sdkLoaded: false, recording: false });

    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const on = reported<{ started: boolean; sdkLoaded: boolean; recording: boolean; flushed: boolean }>(
      await runNode(['-e', script], childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })),
      'BOOTSTRAP',
    );
    // The failed export neither threw nor held shutdown (bounded at 2 s here): the child reported and exited by itself.
    expect(on).toMatchObject({ started: true, sdkLoaded: true, recording: true, flushed: expect.any(Boolean) });
  }, 60_000);
});
