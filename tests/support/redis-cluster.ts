import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-tools';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A throwaway Redis Cluster of masters only, on spare loopback ports, without persistence: each
 * node a child redis-server, its cluster state in a temporary directory removed by `kill`.
 */
export class DisposableRedisCluster {
  private readonly children: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'uma-redis-cluster-'));
  ports: number[] = [];

  constructor(private readonly size = 3) {}

  /** REDIS_CLUSTER_NODES for the API. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  get seeds(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.size; i += 1) {
      // The bus port is chosen too: the default (port + 10000) can fall outside the port range.
      const [port, busPort] = [await freePort(), await freePort()];
      this.ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-port', String(busPort),
          '--cluster-config-file', join(this.dir, `nodes-${port}.conf`),
          '--dir', this.dir,
          '--save', '',
          '--appendonly', 'no',
          '--daemonize', 'no',
        ],
        { stdio: 'ignore' },
      );
      this.children.push(child);
    }
    for (const port of this.ports) await this.waitFor(port, (out) => out.trim() === 'PONG', ['ping']);
    await run('redis-cli', ['--cluster', 'create', ...this.ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of this.ports) await this.waitFor(port, (out) => out.includes('cluster_state:ok'), ['cluster', 'info']);
  }

  private async waitFor(port: number, ready: (output: string) => boolean, command: string[]): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const exited = this.children.find((child) => child.exitCode !== null);
      if (exited) throw new Error(`a cluster node exited with ${exited.exitCode}`);
      try {
        const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command]);
        if (ready(stdout)) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`redis cluster node ${port} not ready for ${command.join(' ')}`);
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    this.children.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
