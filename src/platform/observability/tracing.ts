import type { IncomingMessage } from 'node:http';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * OpenTelemetry tracing: HTTP server -> Express -> GraphQL -> PostgreSQL / Redis in one trace per
 * request. Nothing here runs, and the SDK is not even loaded, unless startTracing is given an OTLP
 * endpoint or span processors: @opentelemetry/api stays a no-op then.
 *
 * startTracing must run before express, pg, ioredis and graphql are first required, since the
 * instrumentations patch those modules as they load (see tracing.bootstrap.ts).
 */
export interface TracingOptions {
  /** OTLP/HTTP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: spans are sent to `${endpoint}/v1/traces`. */
  endpoint?: string;
  /** service.name of every span; default "user-api". */
  serviceName?: string;
  /** Span processors used instead of the OTLP exporter (tests pass an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /**
   * Ends tracing: flushes pending spans and stops the exporters. Resolves false when that took
   * longer than timeoutMs (default 5 s; a collector that is down is retried until then), so shutdown
   * never hangs on it.
   */
  shutdown(timeoutMs?: number): Promise<boolean>;
}

export const DEFAULT_SERVICE_NAME = 'user-api';

/** The statement attribute the pg instrumentation sets (stable database semantic conventions). */
const ATTR_DB_QUERY_TEXT = 'db.query.text';

/** Probes and scrapes would drown real traffic. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

function isUntraced(request: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((request.url ?? '').split('?')[0]);
}

/**
 * The statement with every string literal replaced by `?`. MikroORM sends SQL with its values
 * inlined, so the statement would otherwise carry emails, password hashes and token ids.
 */
export function redactSqlLiterals(sql: string): string {
  return sql.replace(/\bE'(?:[^'\\]|''|\\[\s\S])*'|'(?:[^']|'')*'/g, '?');
}

/** `${base}/v1/traces`, as the OTLP spec derives the traces URL from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** Starts the OpenTelemetry SDK, or returns null (and loads nothing) when there is nowhere to send spans. */
export function startTracing(options: TracingOptions = {}): Tracing | null {
  const spanProcessors = options.spanProcessors ?? [];
  if (!options.endpoint && spanProcessors.length === 0) return null;

  // Required here, not imported at the top, so that a process without tracing never loads the SDK.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { GraphQLInstrumentation } = require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');

  const exporting =
    spanProcessors.length > 0
      ? { spanProcessors }
      : {
          // A batch processor (OTEL_BSP_* apply); a collector that is down only costs dropped spans:
          // export errors go to OpenTelemetry's diag logger (OTEL_LOG_LEVEL), never to the request.
          // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, when set, is a full URL that wins, as the spec says.
          traceExporter: new OTLPTraceExporter(
            process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? {} : { url: tracesUrl(options.endpoint as string) },
          ),
        };

  const sdk: NodeSDK = new NodeSDK({
    serviceName: options.serviceName ?? DEFAULT_SERVICE_NAME,
    ...exporting,
    // Traces only: Prometheus (/metrics) and pino stay the metrics and logs of record.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: isUntraced }),
      new ExpressInstrumentation(),
      // Field values (allowValues) stay off: arguments may carry passwords.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true }),
      // Statements without their values: parameters are not recorded (enhancedDatabaseReporting stays
      // off) and inlined literals are redacted. Queries outside a request (migrations, purges) would
      // each be a trace of their own: skipped.
      new PgInstrumentation({
        requireParentSpan: true,
        requestHook: (span, { query }) => {
          if (typeof query.text === 'string') span.setAttribute(ATTR_DB_QUERY_TEXT, redactSqlLiterals(query.text));
        },
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();

  let stopped: Promise<boolean> | undefined;
  return {
    shutdown(timeoutMs = 5000) {
      stopped ??= new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        sdk.shutdown().then(
          () => {
            clearTimeout(timer);
            resolve(true);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
      return stopped;
    },
  };
}
