import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, keysWithPrefix, rawRedis } from './redis-tools';
import { PG_ADMIN_URL, REDIS_AVAILABLE, REDIS_URL } from './test-server';

const ROOT = resolve(__dirname, '..', '..');

export interface BuiltApi {
  /** The compiled entry point, as `npm start` runs it. */
  main: string;
  /** The compiled tree (dist/ of a private copy of the project's layout). */
  dist: string;
  remove(): void;
}

/**
 * Builds src with tools/build.mjs, as `npm run build` does, but into a private temporary copy of
 * the project's layout: dist/ is shared with whoever else builds or runs the app at the same time.
 * Symlinks to node_modules and package.json let the compiled code find its dependencies and version.
 */
export async function buildApi(): Promise<BuiltApi> {
  const root = mkdtempSync(join(tmpdir(), 'uma-build-'));
  const dist = join(root, 'dist');
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'tools', 'build.mjs'), '--out-dir', dist, '--no-ide', '--quiet'], { cwd: ROOT });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    symlinkSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    const main = join(dist, 'main.js');
    if (!existsSync(main)) throw new Error(`the build produced no ${main}`);
    return { main, dist, remove };
  } catch (error) {
    remove();
    const { stderr } = error as { stderr?: string };
    throw new Error(`build failed: ${stderr || (error as Error).message}`);
  }
}

/** A fresh database on the shared PostgreSQL, and a unique Redis key prefix, for one test file. */
export class SharedStores {
  readonly databaseName = `uma_proc_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  readonly keyPrefix = `uma-test:${this.databaseName}:`;

  get databaseUrl(): string {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${this.databaseName}`;
    return url.toString();
  }

  async create(): Promise<void> {
    await adminQuery(`create database "${this.databaseName}"`);
  }

  async remove(): Promise<void> {
    try {
      await adminQuery(`drop database if exists "${this.databaseName}" with (force)`);
    } finally {
      if (REDIS_AVAILABLE) await this.deleteKeys();
    }
  }

  private async deleteKeys(): Promise<void> {
    const redis = rawRedis();
    try {
      const keys = await keysWithPrefix(redis, this.keyPrefix);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The settings every spawned instance gets; a test adds or overrides its own. */
export function baseEnv(stores: SharedStores, port: number): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: stores.databaseUrl,
    // No Redis answering: the instances keep their state in process (and the tests needing Redis skip).
    ...(REDIS_AVAILABLE ? { REDIS_URL } : {}),
    REDIS_KEY_PREFIX: stores.keyPrefix,
    LOG_LEVEL: 'info',
    DB_POOL_MAX: '5',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    RATE_LIMIT_AUTH_PER_IP: '100000/60',
    RATE_LIMIT_SIGNUP_PER_IP: '100000/3600',
    RATE_LIMIT_READ_PER_IP: '100000/3600',
    RATE_LIMIT_WRITE_PER_IP: '100000/3600',
    RATE_LIMIT_READ_PER_USER: '100000/3600',
    RATE_LIMIT_WRITE_PER_USER: '100000/3600',
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process was seen to exit. */
  at: number;
}

/**
 * `node dist/main.js` as a child process: what an orchestrator runs. Its JSON log lines are kept
 * (anything else it prints too, as `{ raw }`), and `exited` settles when it ends.
 */
export class ApiProcess {
  readonly logs: Record<string, unknown>[] = [];
  /** Date.now() when each log line arrived, by line. */
  readonly arrivals = new Map<Record<string, unknown>, number>();
  private readonly lineEvents = new EventEmitter();
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;

  private constructor(
    main: string,
    readonly port: number,
    env: Record<string, string>,
  ) {
    // Only what the test chooses: nothing from the runner's environment (OTEL_*, DATABASE_URL, ...) leaks in.
    this.child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = { raw: line };
        }
        this.logs.push(parsed);
        this.arrivals.set(parsed, Date.now());
        this.lineEvents.emit('line', parsed);
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = once(this.child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, at: Date.now() }));
  }

  static async start(main: string, port: number, env: Record<string, string>): Promise<ApiProcess> {
    const api = new ApiProcess(main, port, env);
    try {
      await api.waitForLog((line) => typeof line.message === 'string' && line.message.startsWith('User API listening'));
    } catch (error) {
      await api.kill();
      throw error;
    }
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id, to look at its threads in /proc. */
  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Resolves with the first log line (already written or to come) that matches; rejects if the
   * process exits without writing one. No deadline of its own: a busy machine only makes it later
   * (the test's own timeout is the bound).
   */
  waitForLog(matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const found = this.logs.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onLine = (line: Record<string, unknown>) => {
        if (!matches(line)) return;
        this.lineEvents.off('line', onLine);
        resolve(line);
      };
      this.lineEvents.on('line', onLine);
      this.exited.then((exit) => {
        this.lineEvents.off('line', onLine);
        reject(new Error(`the API exited (code ${exit.code}, signal ${exit.signal}) without such a log line; stderr: ${this.stderr}`));
      });
    });
  }

  /** Cleanup: SIGKILL if it still runs, and wait for it to be gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 exchange over a plain socket, sent in two parts: `start` goes out at once, the rest
 * only when `finish()` is called. Until then the request is in flight on the server (headers or
 * body incomplete), which is how a test holds a request open across a signal.
 */
export class SplitRequest {
  readonly response: Promise<RawResponse>;
  /** Settles when the server closes the socket, with whatever it sent. */
  readonly closed: Promise<{ received: string; error?: NodeJS.ErrnoException }>;
  /** Settles when the first bytes of the answer arrive. */
  readonly answered: Promise<void>;
  private readonly socket;
  private readonly connected: Promise<void>;

  constructor(
    port: number,
    private readonly start: string,
    private readonly rest: string,
  ) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = once(this.socket, 'connect').then(() => undefined);
    let received = '';
    let socketError: NodeJS.ErrnoException | undefined;
    this.socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    this.socket.on('error', (error) => {
      socketError = error;
    });
    this.answered = once(this.socket, 'data').then(() => undefined);
    this.answered.catch(() => undefined);
    this.closed = once(this.socket, 'close').then(() => ({ received, error: socketError }));
    this.response = this.closed.then(({ received: text, error }) => {
      if (!text) throw new Error(`the server closed the connection without answering${error ? ` (${error.code})` : ''}`);
      return parseResponse(text);
    });
    // Observed through `closed`/`response`; never an unhandled rejection.
    this.response.catch(() => undefined);
  }

  /** Resolves once the connection is up and the first part has been written. */
  async send(): Promise<void> {
    await this.connected;
    await new Promise<void>((resolve, reject) => this.socket.write(this.start, (error) => (error ? reject(error) : resolve())));
  }

  finish(): void {
    this.socket.write(this.rest);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0])?.[1]);
  const headers = Object.fromEntries(
    head.slice(1).map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status, headers, body: Buffer.from(text.slice(split + 4), 'latin1').toString('utf8') };
}

/** The whole text of an HTTP/1.1 request; a test cuts it where the pause should be. */
export function httpRequest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): string {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: keep-alive', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

/** What a client opening a new connection sees: refused, or an HTTP status. */
export async function probe(url: string): Promise<{ refused: true } | { refused: false; status: number; body: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { refused: false, status: response.status, body: await response.text() };
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    // Refused outright, or accepted by the kernel into the backlog of a listener that then closed:
    // reset or closed before any answer. Either way nobody new got in.
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return { refused: true };
    throw error;
  }
}

export interface ApiProcesses {
  /** The database and Redis key prefix the processes share. */
  readonly stores: SharedStores;
  /** Every process started so far. */
  readonly processes: readonly ApiProcess[];
  /** Runs `node dist/main.js` with the shared stores and `env` on top, on `port` (a restart) or a free one. */
  start(env?: Record<string, string>, port?: number): Promise<ApiProcess>;
}

/**
 * For a describe block of child processes: one private build and one set of stores, made in
 * beforeAll; afterAll kills every process started, then drops the stores and the build.
 */
export function useApiProcesses(): ApiProcesses {
  let build: BuiltApi | undefined;
  const stores = new SharedStores();
  const processes: ApiProcess[] = [];
  beforeAll(async () => {
    [build] = await Promise.all([buildApi(), stores.create()]);
  }, 180_000);
  afterAll(async () => {
    try {
      await Promise.allSettled(processes.map((api) => api.kill()));
    } finally {
      try {
        await stores.remove();
      } finally {
        build?.remove();
      }
    }
  });
  return {
    stores,
    processes,
    async start(env = {}, port?: number) {
      if (!build) throw new Error('useApiProcesses: start() runs in tests and hooks, after the build');
      const listenOn = port ?? (await freePort());
      const api = await ApiProcess.start(build.main, listenOn, { ...baseEnv(stores, listenOn), ...env });
      processes.push(api);
      return api;
    },
  };
}
