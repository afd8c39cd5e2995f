import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, any> };
  /** Date.now() when the whole request had arrived. */
  at: number;
}

/** What the receiver does with the nth request (1-based) of a given path: answer with a status, or never answer. */
export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer this late (the request counts as in flight meanwhile). */
  delayMs?: number;
}

export type Behaviour = (received: Received, nth: number) => Answer | 'hang';

/**
 * A webhook receiver on a real loopback socket: records every request (per path) and answers as the
 * test says, 204 by default. `url(path)` is what a webhook is registered with.
 */
export class WebhookReceiver {
  readonly received = new Map<string, Received[]>();
  readonly behaviours = new Map<string, Behaviour>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly inFlight = new Map<string, number>();
  /** The most requests with one webhook-id that were in flight at the same moment, by webhook-id. */
  readonly maxInFlight = new Map<string, number>();

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Received['json'];
        try {
          json = JSON.parse(body);
        } catch {
          json = { type: '', timestamp: '', data: {} };
        }
        const path = req.url ?? '/';
        const received: Received = { headers: req.headers, body, json, at: Date.now() };
        const list = this.received.get(path) ?? [];
        list.push(received);
        this.received.set(path, list);
        const id = String(req.headers['webhook-id']);
        const now = (this.inFlight.get(id) ?? 0) + 1;
        this.inFlight.set(id, now);
        this.maxInFlight.set(id, Math.max(now, this.maxInFlight.get(id) ?? 0));
        res.once('close', () => this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1));
        const behaviour: Behaviour = this.behaviours.get(path) ?? (() => ({ status: 204 }));
        const answer = behaviour(received, list.length);
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        const send = () => res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.get(path) ?? [];
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Verifies a delivery as a receiver would, with the standardwebhooks package (throws when it does not verify). */
export function verify(secret: string, received: Received): unknown {
  return new Webhook(secret).verify(received.body, {
    'webhook-id': String(received.headers['webhook-id']),
    'webhook-timestamp': String(received.headers['webhook-timestamp']),
    'webhook-signature': String(received.headers['webhook-signature']),
  });
}
