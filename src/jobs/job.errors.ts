/**
 * Thrown by a handler when retrying cannot help (a mail server refusing an address for good): the
 * job goes to the dead-letter queue at once instead of spending its retries.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** enqueue() was asked to join a transaction it cannot reach. */
export class JobTransactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobTransactionError';
  }
}
