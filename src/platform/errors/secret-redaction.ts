import { DriverException } from '@mikro-orm/core';

/**
 * What must never reach a log, a terminal or an answer, wherever it hides in an error's text:
 * password hashes (PHC strings), JWTs, and passwords inside connection URLs. Driver errors are the
 * usual carrier: MikroORM puts the failed statement, parameters included, into the message.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\$(?:argon2(?:id|i|d)|2[aby]|scrypt|pbkdf2[-\w]*)\$[^\s'")\]}]*/g, '[REDACTED]'],
  [/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, '[REDACTED]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@\s]+@/gi, '$1:***@'],
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

/**
 * An error as it may be printed: a database error by its SQLSTATE and the server's reason only
 * (never the statement or its parameters), anything else by its message with secrets redacted.
 */
export function safeErrorMessage(error: unknown): string {
  if (error instanceof DriverException) {
    const reason = error.message.includes(' - ') ? error.message.slice(error.message.lastIndexOf(' - ') + 3) : error.message;
    return redactSecrets(`database error ${error.code ?? 'unknown'}: ${reason}`);
  }
  return redactSecrets(error instanceof Error ? error.message : String(error));
}
