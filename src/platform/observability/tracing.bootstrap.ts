import { startTracing, type Tracing } from './tracing';

/**
 * Starts tracing as a side effect of being imported: main.ts imports this module first of all.
 *
 * It reads process.env itself instead of waiting for loadConfig (src/platform/config/config.ts, which
 * validates and documents the same variables): OpenTelemetry instruments express, pg, ioredis and
 * graphql by patching them as they are first required, so the SDK must be running before any module
 * that requires them is loaded, and config.ts is loaded alongside those. Without
 * OTEL_EXPORTER_OTLP_ENDPOINT nothing is started, nor loaded. A malformed endpoint is left to
 * loadConfig, which names it and exits with status 2.
 */
function fromEnvironment(env: NodeJS.ProcessEnv): Tracing | null {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || !/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint)) return null;
  return startTracing({ endpoint, serviceName: env.OTEL_SERVICE_NAME || undefined });
}

/** The running tracing, or null when OTEL_EXPORTER_OTLP_ENDPOINT is not set. */
export const tracing: Tracing | null = fromEnvironment(process.env);
