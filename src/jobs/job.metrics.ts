import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobQueueHooks, QueueStats } from './job.types';

/** Reads of the queue tables are shared by one scrape's gauges rather than repeated per gauge. */
const STATS_TTL_MS = 1000;

/**
 * Prometheus metrics of the job queue: counters fed by the queue's hooks, gauges read from the
 * queue's tables at scrape time (so every instance reports the shared totals).
 *
 *   const jobMetrics = new JobMetrics(metrics.registry);
 *   const jobs = new JobQueue({ ..., hooks: jobMetrics.hooks });
 *   jobMetrics.observe(() => jobs.stats());
 */
export class JobMetrics {
  readonly hooks: JobQueueHooks;
  private source: (() => Promise<QueueStats[]>) | undefined;
  private cached: { at: number; stats: Promise<QueueStats[]> } | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    const enqueued = new Counter({ name: 'jobs_enqueued_total', help: 'Jobs enqueued by this instance (a job of a rolled-back transaction is counted too).', labelNames: ['queue'], registers });
    const completed = new Counter({ name: 'jobs_completed_total', help: 'Jobs run to completion by this instance (for mail.send: mails sent).', labelNames: ['queue'], registers });
    const failed = new Counter({ name: 'jobs_failed_total', help: 'Failed job attempts by this instance, by what happens next.', labelNames: ['queue', 'outcome'], registers });
    const returned = new Counter({ name: 'jobs_returned_total', help: 'Running jobs given back to the queue at shutdown.', labelNames: ['queue'], registers });
    const duration = new Histogram({ name: 'job_duration_seconds', help: 'How long job attempts ran.', labelNames: ['queue'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.hooks = {
      enqueued: (queue) => enqueued.inc({ queue }),
      completed: (queue, ms) => {
        completed.inc({ queue });
        duration.observe({ queue }, ms / 1000);
      },
      failed: (queue, outcome) => {
        failed.inc({ queue, outcome: outcome.retrying ? 'retry' : 'dead_letter' });
        duration.observe({ queue }, outcome.durationMs / 1000);
      },
      returned: (queue) => returned.inc({ queue }),
    };
    // prom-client calls collect with the gauge as `this`; the stats come from this JobMetrics.
    const self = this;
    const gauge = (name: string, help: string, pick: (stats: QueueStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers,
        collect: async function (this: Gauge) {
          const stats = await self.stats();
          this.reset();
          for (const entry of stats) this.set({ queue: entry.queue }, pick(entry));
        },
      });
    gauge('jobs_queued', 'Jobs waiting to run (dead-letter queues: mails that failed for good).', (stats) => stats.queued);
    gauge('jobs_active', 'Jobs running now, in any instance.', (stats) => stats.active);
    gauge('jobs_oldest_queued_age_seconds', 'Age of the oldest waiting job.', (stats) => stats.oldestQueuedAgeSeconds);
  }

  /** Where the gauges read from: usually `() => jobs.stats()`. */
  observe(source: () => Promise<QueueStats[]>): void {
    this.source = source;
  }

  private stats(): Promise<QueueStats[]> {
    if (!this.source) return Promise.resolve([]);
    const now = Date.now();
    if (!this.cached || now - this.cached.at > STATS_TTL_MS) {
      // A database that does not answer leaves the gauges empty rather than failing the scrape.
      this.cached = { at: now, stats: this.source().catch(() => []) };
    }
    return this.cached.stats;
  }
}
