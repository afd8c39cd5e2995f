import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { REDIS_URL } from './test-server';

/** A plain client without a key prefix, to look at what the server left in Redis. */
export function rawRedis(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
}

export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys.sort();
}

/** Every key under the prefix with its whole content as text, whatever the Redis type. */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Map<string, { type: string; text: string }>> {
  const dump = new Map<string, { type: string; text: string }>();
  for (const key of await keysWithPrefix(redis, prefix)) {
    const type = await redis.type(key);
    let content: unknown;
    if (type === 'string') content = await redis.get(key);
    else if (type === 'zset') content = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') content = await redis.xrange(key, '-', '+');
    else if (type === 'hash') content = await redis.hgetall(key);
    else if (type === 'list') content = await redis.lrange(key, 0, -1);
    else if (type === 'set') content = await redis.smembers(key);
    else content = `<${type}>`;
    dump.set(key, { type, text: typeof content === 'string' ? content : JSON.stringify(content) });
  }
  return dump;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Why this machine cannot start its own Redis servers, or null when redis-server and redis-cli are installed. */
export function redisBinariesMissing(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `${binary} is not installed`;
  }
  return null;
}

/** `describe` when this machine can start its own redis-server; otherwise `describe.skip`, saying why (never under CI). */
export function describeWithRedisBinaries(name: string, body: () => void): void {
  const missing = redisBinariesMissing();
  if (!missing) return describe(name, body);
  // CI must run every suite: a machine without redis-server fails the run instead of skipping it.
  if (process.env.CI === 'true') throw new Error(`CI=true but "${name}" cannot run: ${missing}`);
  process.stderr.write(`[tests] skipped "${name}": ${missing}\n`);
  describe.skip(name, body);
}

/** A throwaway redis-server without persistence, so a kill loses everything, as a crash would. */
export class DisposableRedis {
  private child: ChildProcess | null = null;

  /** `persistence`: extra redis-server arguments, e.g. an append-only file in a directory of its own. */
  constructor(
    readonly port: number,
    private readonly persistence: string[] = ['--save', '', '--appendonly', 'no'],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', ...this.persistence], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL, as a crash: no shutdown handshake, the clients just lose the connection. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A redis-server that writes every command to an append-only file (fsync always) in `dir`, as the
 * compose file's Redis does: after a SIGKILL and a start it comes back with what it held.
 */
export function persistentRedis(port: number, dir: string): DisposableRedis {
  return new DisposableRedis(port, ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '']);
}

/** A redis-server that loads `dir`/dump.rdb at start and writes nothing: a restore from an old snapshot. */
export function snapshotRedis(port: number, dir: string): DisposableRedis {
  return new DisposableRedis(port, ['--dir', dir, '--dbfilename', 'dump.rdb', '--appendonly', 'no', '--save', '']);
}
