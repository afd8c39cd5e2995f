import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../platform/config/config';
import { mailTransportWarning } from '../platform/config/mail.env';
import type { Logger } from '../platform/observability/logger';
import { JobQueue } from '../jobs/job.queue';
import { JobMetrics } from '../jobs/job.metrics';
import { Mailer } from '../mail/mailer';
import { MAIL_SEND_QUEUE, mailSendHandler, mailSendQueue } from '../mail/mail-send.job';
import { PASSWORD_RESET_QUEUE, passwordResetHandler, passwordResetQueue } from '../account/password-reset.job';
import type { Services } from './container';
import type { Registry } from 'prom-client';
import type { JobQueueHooks } from '../jobs/job.types';
import { openSqlPool, type SqlPool } from '../platform/db/sql.pool';
import { OutboxRelay } from '../events/outbox.relay';
import { WebhookFanOut } from '../webhooks/webhook.fanout';
import { WebhookDeliveryStore } from '../webhooks/webhook-delivery.store';
import { WebhookDeliveryWorker } from '../webhooks/webhook-delivery.worker';
import { WebhookSender } from '../webhooks/webhook.sender';
import { packageInfo } from '../platform/package-info';

/** How long the event relay gathers commits before a pass: the price is at most this much delivery latency. */
const RELAY_LINGER_MS = 20;

export interface BackgroundJobs {
  queue: JobQueue;
  mailer: Mailer;
  /** Wakes this instance's event relay after a commit (a no-op until start). */
  eventRelay: { wake(): void };
  /** Wakes this instance's webhook delivery loop (a no-op until start). */
  webhookDeliveries: { wake(): void };
  /** Starts the workers of this instance (after the services exist: the handlers call them). */
  start(services: Services, orm: MikroORM): Promise<void>;
  /** The queue's counters and gauges on the server's /metrics. */
  instrument(registry: Registry): void;
  /** Running jobs get `timeoutMs` to finish; the rest go back to the queue for another instance. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * The durable queue (pg-boss, in the application's own database) and what works it: mails, and the
 * lookups of forgotten-password requests; and the event outbox's relay (the audit stream, webhook
 * fan-out) on a small pool of its own. Every instance works them; a job or an outbox row is taken by one.
 */
export function createBackgroundJobs(config: Config, databaseUrl: string, logger: Logger): BackgroundJobs {
  // The metrics registry comes with the server, after the services the queue is handed to.
  let hooks: JobQueueHooks = {};
  const queue = new JobQueue({
    connectionString: databaseUrl,
    queues: [mailSendQueue, passwordResetQueue],
    hooks: {
      enqueued: (name) => hooks.enqueued?.(name),
      completed: (name, ms) => hooks.completed?.(name, ms),
      failed: (name, outcome) => hooks.failed?.(name, outcome),
      returned: (name) => hooks.returned?.(name),
    },
    logger: logger.child({ component: 'jobs' }),
  });
  const warning = mailTransportWarning(config);
  if (warning) logger.warn(warning);
  const mailer = new Mailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, appName: config.mail.appName, dataDir: config.dataDir }, logger.child({ component: 'mail' }));
  const eventsLog = logger.child({ component: 'events' });
  let pool: SqlPool | undefined;
  let relay: OutboxRelay | undefined;
  let deliveries: WebhookDeliveryWorker | undefined;
  return {
    queue,
    mailer,
    eventRelay: { wake: () => relay?.wake() },
    webhookDeliveries: { wake: () => deliveries?.wake() },
    async start(services, orm) {
      queue.handle(MAIL_SEND_QUEUE, mailSendHandler(mailer), { concurrency: 4 });
      queue.handle(PASSWORD_RESET_QUEUE, passwordResetHandler(services.accountEmail.passwordReset, () => orm.em.fork()), { concurrency: 2 });
      await queue.start();
      pool = openSqlPool(databaseUrl, { max: 5, applicationName: 'uma-events', onError: (error) => eventsLog.warn({ err: error }, 'event pool connection error') });
      const { webhooks } = config;
      deliveries = new WebhookDeliveryWorker(new WebhookDeliveryStore(pool), services.webhookTargets, services.webhookSigner, new WebhookSender(webhooks.timeoutMs, `${packageInfo.name}/${packageInfo.version} (webhooks)`), {
        retryScheduleMs: webhooks.retryScheduleMs,
        timeoutMs: webhooks.timeoutMs,
        disable: async (id, reason) => {
          if (await services.webhooks.disable(orm.em.fork(), id, reason)) eventsLog.warn({ webhookId: id, reason }, 'webhook endpoint disabled; an admin re-enables it with PATCH /v1/webhooks/{id} {"enabled": true}');
        },
        logger: eventsLog,
      });
      relay = new OutboxRelay(pool, new WebhookFanOut(), services.auditStream, {
        // A pass costs about eight statements however many events it carries: under load, commits
        // within 20 ms share one (measured: a login's relay statements fell from ~7 to ~2 at 50/s).
        lingerMs: RELAY_LINGER_MS,
        fannedOut: () => deliveries?.wake(),
        // The stream's failures are Redis's, reported (and rate-limited) by the publisher itself.
        reportFailure: (stage, error) => stage !== 'stream' && eventsLog.warn({ stage, err: error }, 'event relay pass failed; it will try again'),
      });
      relay.start();
      deliveries.start();
    },
    instrument(registry) {
      const metrics = new JobMetrics(registry);
      metrics.observe(() => queue.stats());
      hooks = metrics.hooks;
    },
    async stop(timeoutMs) {
      await relay?.stop();
      await deliveries?.stop();
      await queue.stop({ timeoutMs });
      await pool?.end();
      mailer.close();
    },
  };
}
