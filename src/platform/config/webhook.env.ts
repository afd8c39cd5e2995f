import { z } from 'zod';

const booleanFromString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "5s,30s,2m": the waits before each retry, in order (a bare number is seconds). */
const retrySchedule = z
  .string()
  .transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean))
  .refine((items) => items.length > 0 && items.length <= 20 && items.every((item) => /^\d+(\.\d+)?[smhd]?$/.test(item)), 'must be comma-separated durations like 5s,30s,2m,1h (at most 20)')
  .transform((items) => items.map((item) => Math.round(parseFloat(item) * UNIT_MS[/[smhd]$/.test(item) ? item.slice(-1) : 's'])))
  .refine((waits) => waits.every((ms) => ms > 0 && ms <= 7 * UNIT_MS.d), 'each wait must be more than 0 and at most 7d');

/**
 * The webhook deliveries' variables (issue 15): which targets they may reach and how they retry.
 * Their rules live here once.
 */
export const webhookEnvFields = {
  // Plain http targets. Unset: allowed outside production only (https only in production).
  WEBHOOK_ALLOW_HTTP: booleanFromString.optional(),
  // Hosts (as written in the URL: names or IP literals) that may resolve to private, loopback or link-local addresses.
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((item) => item.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean))
    .refine((hosts) => hosts.every((host) => /^[a-z0-9.:-]+$/.test(host)), 'must be comma-separated host names or IP addresses'),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  WEBHOOK_RETRY_SCHEDULE: retrySchedule.default('5s,30s,2m,10m,1h,6h,12h'),
};

export interface WebhookConfig {
  allowHttp: boolean;
  allowedHosts: string[];
  /** One attempt's budget: connect, send, answer and body. */
  timeoutMs: number;
  /** The waits before each retry; a delivery has this many + 1 attempts. */
  retryScheduleMs: number[];
}

export function webhookConfigOf(env: {
  NODE_ENV: string;
  WEBHOOK_ALLOW_HTTP?: boolean;
  WEBHOOK_ALLOWED_HOSTS: string[];
  WEBHOOK_TIMEOUT_SECONDS: number;
  WEBHOOK_RETRY_SCHEDULE: number[];
}): WebhookConfig {
  return {
    allowHttp: env.WEBHOOK_ALLOW_HTTP ?? env.NODE_ENV !== 'production',
    allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
    retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
  };
}
