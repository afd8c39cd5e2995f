// Run by tests/observability/tracing.test.ts in a child `node` process: Jest's module loader skips
// Node's require hooks, so OpenTelemetry could not patch express, pg, ioredis or graphql inside a
// Jest worker. Starts tracing with an in-memory exporter BEFORE requiring the compiled server (as
// dist/main.js does), serves one signed-in GraphQL query, and prints what was traced.
//
// Input (environment): TRACED_DIST, the compiled dist/ folder; TRACED_REQUEST_ID, the X-Request-Id
// to send; the app's own variables (DATABASE_URL, REDIS_URL, ...), read by loadConfig.
// Output: one line on stdout, `TRACED {"userId", "status", "body", "spans": [...]}`.
'use strict';
const path = require('node:path');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');

const dist = path.resolve(process.env.TRACED_DIST);
const requestId = process.env.TRACED_REQUEST_ID;
const password = 'Correct-h0rse-battery';

const { startTracing } = require(path.join(dist, 'platform/observability/tracing.js'));
const exporter = new InMemorySpanExporter();
const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

// Only now the modules that tracing patches.
require('reflect-metadata');
const { startServer } = require(path.join(dist, 'app/server.js'));
const { loadConfig } = require(path.join(dist, 'platform/config/config.js'));
const { createLogger } = require(path.join(dist, 'platform/observability/logger.js'));

async function call(url, method, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

function present(span) {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    scope: span.instrumentationScope.name,
    attributes: span.attributes,
  };
}

async function main() {
  const config = loadConfig(process.env);
  const running = await startServer(config, { logger: createLogger('silent') });
  try {
    const tag = Math.random().toString(36).slice(2, 10);
    const username = `traced_${tag}`;
    const user = await call(`${running.url}/v1/users`, 'POST', {
      username,
      email: `${username}@example.com`,
      password,
      firstName: 'Traced',
      lastName: 'Person',
    });
    const { accessToken } = await call(`${running.url}/v1/auth/login`, 'POST', { username, password });
    // Only the spans of the GraphQL request are of interest. Its sessions field is read from PostgreSQL
    // by the resolver (me itself may come from the user cache the sign-in check just filled).
    exporter.reset();
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: 'query Me { me { id username sessions { id } } }' }),
    });
    const body = await response.json();
    // Closing waits for the connection to end, so the server spans have ended too.
    await running.close();
    const spans = exporter.getFinishedSpans().map(present);
    await tracing.shutdown();
    process.stdout.write(`TRACED ${JSON.stringify({ userId: user.id, status: response.status, body, spans })}\n`);
  } catch (error) {
    await running.close().catch(() => undefined);
    throw error;
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
