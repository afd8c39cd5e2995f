import type { Logger } from '../observability/logger';

/**
 * Redis is an accelerator and a shared counter store, never the source of truth: when it fails,
 * callers degrade (fall through to PostgreSQL, fail open) and report here, where failures are
 * logged once in a while and counted for the metrics endpoint.
 */
export class RedisFailureReporter {
  readonly counts = new Map<string, number>();
  private lastLoggedAt = 0;

  constructor(private readonly logger: Logger) {}

  report(component: string, error: unknown): void {
    this.counts.set(component, (this.counts.get(component) ?? 0) + 1);
    const now = Date.now();
    if (now - this.lastLoggedAt > 5000) {
      this.lastLoggedAt = now;
      this.logger.warn({ component, err: error instanceof Error ? { message: error.message } : String(error) }, 'Redis unavailable; degrading');
    }
  }

  /** Runs a Redis operation, answering `fallback` instead of failing. */
  async attempt<T>(component: string, operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      this.report(component, error);
      return fallback;
    }
  }
}
