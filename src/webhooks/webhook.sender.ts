import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ResolvedTarget } from './webhook-target.guard';

/** A receiver's answer is read this far and no further (its content is never used). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendOutcome {
  /** A 2xx answer. */
  ok: boolean;
  /** Null when no answer came (timeout, refused or reset connection). */
  statusCode: number | null;
  /** From the start of the attempt to the answer's status line (or the failure). */
  latencyMs: number;
  /** Why it failed, in words safe to show an admin (never the URL: it may hold a token). */
  error: string | null;
}

/** Connects to the address the guard checked, whatever the name resolves to by now (DNS rebinding). */
function pinnedLookup({ address, family }: ResolvedTarget): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

/**
 * One POST of a delivery: to the checked address, redirects not followed (a 3xx is a failed
 * attempt), the whole attempt bounded by `timeoutMs`, the answer read to at most 64 kB and thrown
 * away. A new connection each time, so no pooled socket outlives the check that allowed it.
 */
export class WebhookSender {
  constructor(
    private readonly timeoutMs: number,
    private readonly userAgent: string,
  ) {}

  send(url: URL, address: ResolvedTarget, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return new Promise((resolve) => {
      let statusCode: number | null = null;
      let latencyMs: number | null = null;
      let settled = false;
      const finish = (error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
        resolve({ ok, statusCode, latencyMs: latencyMs ?? elapsed(), error: ok ? null : (error ?? describeStatus(statusCode)) });
      };
      const request = (url.protocol === 'https:' ? https : http).request(
        {
          protocol: url.protocol,
          hostname: host,
          port: url.port || (url.protocol === 'https:' ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent: false,
          lookup: pinnedLookup(address),
          // The certificate is checked against the name, not the address connected to.
          ...(url.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': this.userAgent, ...headers },
        },
        (response) => {
          statusCode = response.statusCode ?? null;
          latencyMs = elapsed();
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            // The status is the answer; a larger body is not waited for.
            if (read >= MAX_RESPONSE_BYTES) finish(null);
          });
          response.on('end', () => finish(null));
          response.on('error', () => finish(null));
        },
      );
      // The status line decides; a body still trickling in at the deadline does not turn a 2xx into a failure.
      const timer = setTimeout(() => finish(statusCode === null ? `timeout: no answer within ${this.timeoutMs} ms` : null), this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => finish(statusCode === null ? (error.code ?? error.message) : null));
      request.end(body);
    });
  }
}

function describeStatus(statusCode: number | null): string {
  if (statusCode === null) return 'no answer';
  if (statusCode >= 300 && statusCode < 400) return `HTTP ${statusCode} (redirects are not followed)`;
  return `HTTP ${statusCode}`;
}
