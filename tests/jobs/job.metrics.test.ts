import { Registry } from 'prom-client';
import { JobMetrics } from '../../src/jobs/job.metrics';
import type { QueueStats } from '../../src/jobs/job.types';

const stats = (queue: string, queued: number, active: number, oldest: number): QueueStats => ({ queue, queued, active, failed: 0, completed: 0, oldestQueuedAgeSeconds: oldest });

describe('JobMetrics', () => {
  it('counts what the hooks report', async () => {
    const registry = new Registry();
    const metrics = new JobMetrics(registry);
    metrics.hooks.enqueued!('mail.send');
    metrics.hooks.enqueued!('mail.send');
    metrics.hooks.completed!('mail.send', 120);
    metrics.hooks.failed!('mail.send', { retrying: true, permanent: false, durationMs: 10, error: new Error('x') });
    metrics.hooks.failed!('mail.send', { retrying: false, permanent: true, durationMs: 10, error: new Error('x') });
    metrics.hooks.returned!('mail.send');
    const text = await registry.metrics();
    expect(text).toContain('jobs_enqueued_total{queue="mail.send"} 2');
    expect(text).toContain('jobs_completed_total{queue="mail.send"} 1');
    expect(text).toContain('jobs_failed_total{queue="mail.send",outcome="retry"} 1');
    expect(text).toContain('jobs_failed_total{queue="mail.send",outcome="dead_letter"} 1');
    expect(text).toContain('jobs_returned_total{queue="mail.send"} 1');
    expect(text).toContain('job_duration_seconds_count{queue="mail.send"} 3');
  });

  it('reads queued, active and the oldest job\'s age from the queue once per scrape', async () => {
    const registry = new Registry();
    const metrics = new JobMetrics(registry);
    const source = jest.fn(async () => [stats('mail.send', 3, 1, 42.5), stats('mail.send.dead', 2, 0, 3600)]);
    metrics.observe(source);
    const text = await registry.metrics();
    expect(text).toContain('jobs_queued{queue="mail.send"} 3');
    expect(text).toContain('jobs_queued{queue="mail.send.dead"} 2');
    expect(text).toContain('jobs_active{queue="mail.send"} 1');
    expect(text).toContain('jobs_oldest_queued_age_seconds{queue="mail.send"} 42.5');
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('leaves the gauges empty when the database does not answer, without failing the scrape', async () => {
    const registry = new Registry();
    const metrics = new JobMetrics(registry);
    metrics.observe(async () => {
      throw new Error('connection refused');
    });
    const text = await registry.metrics();
    expect(text).not.toMatch(/^jobs_queued\{/m);
  });
});
