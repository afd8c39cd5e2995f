import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest PostgreSQL server binaries installed (Debian layout: /usr/lib/postgresql/<major>/bin). */
function findPostgresBin(): string | undefined {
  const majors = existsSync(POSTGRES_ROOT) ? readdirSync(POSTGRES_ROOT).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  return majors.map((major) => join(POSTGRES_ROOT, major, 'bin')).find((bin) => existsSync(join(bin, 'pg_ctl')));
}

function postgresBin(): string {
  const found = findPostgresBin();
  if (!found) throw new Error(`no PostgreSQL server binaries under ${POSTGRES_ROOT}`);
  return found;
}

/**
 * `describe` when this machine has PostgreSQL's server tools (and, as root, a postgres OS user to
 * run them as); otherwise `describe.skip`, after saying what is skipped and why. The embedded
 * PostgreSQL of a machine without them ships no pg_basebackup and runs no second cluster here.
 */
export function describeWithPostgresTools(what: string): jest.Describe {
  let missing: string | undefined;
  if (!findPostgresBin()) missing = `no PostgreSQL server binaries under ${POSTGRES_ROOT}`;
  else if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      missing = 'running as root and there is no postgres OS user to run the server as';
    }
  }
  if (!missing) return describe;
  process.stderr.write(`[tests] skipped "${what}": ${missing}\n`);
  return describe.skip;
}

/**
 * A throwaway PostgreSQL cluster on a loopback port, for tests that stop and restart the database
 * under a running API without touching the machine's shared server. The server binaries refuse to
 * run as root, so they run as the `postgres` OS user when the test runs as root.
 */
export class DisposablePostgres {
  readonly dir: string;
  private readonly bin = postgresBin();
  private readonly asRoot = process.getuid?.() === 0;
  private initialised = false;

  /** With `primary`, the cluster is a streaming hot-standby replica of it (pg_basebackup -R). */
  constructor(
    readonly port: number,
    private readonly primary?: DisposablePostgres,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'uma-pg-'));
    if (this.asRoot) {
      const { uid, gid } = postgresUser();
      chownSync(this.dir, uid, gid);
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const command = join(this.bin, tool);
    if (this.asRoot) await run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000 });
    else await run(command, args, { timeout: 60_000 });
  }

  /** initdb on first call, then pg_ctl start; resolves once the server accepts queries. */
  async start(): Promise<void> {
    if (!this.initialised && this.primary) {
      // initdb's pg_hba already trusts replication from 127.0.0.1, and wal_level defaults to replica.
      await this.pg('pg_basebackup', ['-D', this.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync', '-h', '127.0.0.1', '-p', String(this.primary.port), '-U', 'postgres']);
      this.initialised = true;
    }
    if (!this.initialised) {
      await this.pg('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
      this.initialised = true;
    }
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
    await this.pg('pg_ctl', ['start', '-w', '-t', '30', '-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Client({ connectionString: this.url() });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** pg_ctl stop -m fast: clients get 57P01 "terminating connection due to administrator command", then refused connections. */
  async stop(): Promise<void> {
    if (!this.initialised || !existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await this.pg('pg_ctl', ['stop', '-w', '-t', '30', '-m', 'fast', '-D', this.dataDir]);
  }

  /** Stops the server if it runs (immediate mode), then deletes the whole directory. */
  async destroy(): Promise<void> {
    try {
      if (this.initialised && existsSync(join(this.dataDir, 'postmaster.pid'))) {
        await this.pg('pg_ctl', ['stop', '-w', '-t', '30', '-m', 'immediate', '-D', this.dataDir]);
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
