import { type Attributes, context, trace } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';

/**
 * Puts attributes on the span of the running code (under Express, the middleware's span) and on
 * the request's HTTP server span, the one a trace search lists. Does nothing when tracing is off:
 * @opentelemetry/api then has no active span.
 */
export function setRequestSpanAttributes(attributes: Attributes): void {
  const active = trace.getActiveSpan();
  if (!active) return;
  active.setAttributes(attributes);
  const server = getRPCMetadata(context.active())?.span;
  if (server && server !== active) server.setAttributes(attributes);
}
