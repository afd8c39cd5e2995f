import type { Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheStats } from '../cache.stats';
import { recordedRoute, routeTemplate } from './route-label';

export interface MetricSources {
  orm: MikroORM;
  server: () => Server | undefined;
  cacheStats: CacheStats;
  rateLimitRejections: () => number;
  redisFailures: Map<string, number>;
  auditEvents: Map<string, number>;
  /** Replica-eligible reads by where they were served (src/platform/db/replica.router.ts). */
  databaseReads?: Map<string, number>;
  /** After-commit subscribers that threw, by subscriber (src/platform/commands/event.bus.ts). */
  subscriberFailures?: Map<string, number>;
  /** Password hashes running and queued (src/auth/passwords/password.hasher.ts). */
  passwordHashes?: () => { active: number; waiting: number };
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics of one server. A registry per server (not prom-client's global) keeps several
 * servers in one process, as in tests, apart.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpErrors = new Counter({ name: 'http_request_errors_total', help: 'HTTP responses with status >= 500.', labelNames: ['method', 'route'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP latency by route.', labelNames: ['method', 'route', 'status'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  readonly graphqlOperations = new Counter({ name: 'graphql_operations_total', help: 'GraphQL operations by name and outcome.', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  readonly graphqlDuration = new Histogram({ name: 'graphql_operation_duration_seconds', help: 'GraphQL latency by operation name.', labelNames: ['operation'], buckets: DURATION_BUCKETS, registers: [this.registry] });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'http_active_connections',
      help: 'Open client connections.',
      registers: [this.registry],
      async collect() {
        const server = sources.server();
        const count = server ? await new Promise<number>((resolve) => server.getConnections((_error, n) => resolve(n ?? 0))) : 0;
        this.set(count);
      },
    });
    new Gauge({
      name: 'cache_lookups',
      help: 'User cache lookups by result since start.',
      labelNames: ['result'],
      registers: [this.registry],
      collect() {
        const stats = sources.cacheStats;
        this.set({ result: 'local_hit' }, stats.localHits);
        this.set({ result: 'hit' }, stats.hits);
        this.set({ result: 'miss' }, stats.misses);
        this.set({ result: 'error' }, stats.errors);
      },
    });
    new Gauge({
      name: 'rate_limit_rejections',
      help: 'Requests refused by the rate limiter since start.',
      registers: [this.registry],
      collect() {
        this.set(sources.rateLimitRejections());
      },
    });
    new Gauge({
      name: 'redis_failures',
      help: 'Redis operations that failed and were degraded, by component, since start.',
      labelNames: ['component'],
      registers: [this.registry],
      collect() {
        for (const [component, count] of sources.redisFailures) this.set({ component }, count);
      },
    });
    new Gauge({
      name: 'audit_events',
      help: 'Committed audit events by action since start: auth.login, auth.login_failed, user.created (registrations)...',
      labelNames: ['action'],
      registers: [this.registry],
      collect() {
        for (const [action, count] of sources.auditEvents) this.set({ action }, count);
      },
    });
    new Gauge({
      name: 'after_commit_subscriber_failures',
      help: 'Deliveries of committed writes\' events that a subscriber failed (the write stood), by subscriber, since start.',
      labelNames: ['subscriber'],
      registers: [this.registry],
      collect() {
        for (const [subscriber, count] of sources.subscriberFailures ?? []) this.set({ subscriber }, count);
      },
    });
    new Gauge({
      name: 'password_hashes',
      help: 'argon2 hashes and verifications now running (at most ARGON2_CONCURRENCY) and waiting for a turn: waiting that stays above zero means logins outrun the cores.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const hashes = sources.passwordHashes?.();
        if (!hashes) return;
        this.set({ state: 'running' }, hashes.active);
        this.set({ state: 'waiting' }, hashes.waiting);
      },
    });
    new Gauge({
      name: 'db_routed_reads',
      help: 'Reads that a replica may serve, by where they were served (replica, primary, replica_fallback) since start.',
      labelNames: ['target'],
      registers: [this.registry],
      collect() {
        for (const [target, count] of sources.databaseReads ?? []) this.set({ target }, count);
      },
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const pool = (sources.orm.em.getConnection().getKnex().client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
        if (!pool) return;
        this.set({ state: 'used' }, pool.numUsed());
        this.set({ state: 'free' }, pool.numFree());
        this.set({ state: 'pending' }, pool.numPendingAcquires());
      },
    });
  }

  /**
   * Times every HTTP request, labelled by the template of the route that matched (never the raw
   * path, which holds ids and any letter case a client likes). /v1 routes record theirs as they
   * match (src/http/route.guard.ts), so a 401 or 429 answered there carries it too; the app's own
   * routes are still matched when the response finishes; anything else is `unmatched`.
   */
  middleware(): RequestHandler {
    // One label set per (method, route, status): bounded by the routes, and each request reuses
    // its set instead of building and merging objects for the histogram and the counter.
    const labelSets = new Map<string, { method: string; route: string; status: string }>();
    return (req, res, next) => {
      const started = performance.now();
      res.on('finish', () => {
        const route = recordedRoute(res.locals) ?? routeTemplate(req) ?? 'unmatched';
        const key = `${req.method} ${res.statusCode} ${route}`;
        let labels = labelSets.get(key);
        if (!labels) labelSets.set(key, (labels = { method: req.method, route, status: String(res.statusCode) }));
        this.httpDuration.observe(labels, (performance.now() - started) / 1000);
        this.httpRequests.inc(labels);
        if (res.statusCode >= 500) this.httpErrors.inc({ method: req.method, route });
      });
      next();
    };
  }
}
