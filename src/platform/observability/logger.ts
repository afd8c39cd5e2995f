import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets, safeErrorMessage } from '../errors/secret-redaction';

export type { Logger };

/** Anything that could carry a credential, wherever it appears in a log object. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'passwordHash',
  '*.passwordHash',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/** pino's error serializer, with the message and stack cleaned of hashes, tokens and URL passwords. */
function safeError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? redactSecrets(error) : error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const message = safeErrorMessage(error);
  const stack = typeof serialized.stack === 'string' ? `${message}\n${redactSecrets(serialized.stack.split('\n').filter((line) => /^\s+at /.test(line)).join('\n'))}` : undefined;
  // Driver errors also carry the statement and its parameters as fields of their own.
  const { sql: _sql, sqlMessage: _sqlMessage, parameters: _parameters, params: _params, query: _query, ...rest } = serialized;
  return { ...rest, message, stack };
}

/**
 * A developer at a terminal reads colourised lines (the start banner's fields only as its text); everything else (production, pipes, log
 * collectors, tests) gets the JSON lines.
 */
export function prettyDestination(env: string): DestinationStream | undefined {
  if (env !== 'development' || !process.stdout.isTTY) return undefined;
  return pino.transport({ target: 'pino-pretty', options: { messageKey: 'message', timestampKey: 'timestamp', translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,banner' } });
}

/** JSON lines in the seed's shape: timestamp, level, service, message, plus request fields. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'user-api' },
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: { err: safeError, error: safeError },
    },
    destination,
  );
}
