import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RunAs {
  uid: number;
  gid: number;
}

/** Where clusters go when the postgres OS user cannot reach DATA_DIR (a clone in a 0700 home). */
export const DEFAULT_SYSTEM_DIR = '/var/lib/user-api/embedded-postgres';

/** Whether `runAs` may enter (and, with `write`, create in) `dir`: asked as that user, so ACLs count too. */
export function reachableBy(runAs: RunAs, dir: string, write = false): boolean {
  const test = write ? 'test -x "$1" && test -w "$1"' : 'test -x "$1" && test -r "$1"';
  return spawnSync('/bin/sh', ['-c', test, 'sh', dir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0;
}

/** The nearest existing directory of `path` (DATA_DIR may not exist yet). */
function existingAncestor(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir)) dir = resolve(dir, '..');
  return dir;
}

export interface ClusterLocation {
  clusterDir: string;
  binaries: string;
  /** Set when the cluster or the binaries were moved out of reach of a private DATA_DIR: why. */
  relocatedBecause?: string;
}

/**
 * PostgreSQL refuses to run as root, so a root process runs it as the postgres OS user, which cannot
 * enter a private folder (a clone in /root, mode 0700): initdb then fails with "Permission denied".
 * In that case the cluster lives in `systemDir/<hash of DATA_DIR's path>/postgres`, owned by
 * postgres, and the binaries are copied once to `systemDir/bin-<hash of their path>`. The password
 * file stays in DATA_DIR (read by this process, root). Nothing moves when postgres can reach both.
 */
export function clusterLocation(dataDir: string, binaries: string, runAs: RunAs | undefined, systemDir = DEFAULT_SYSTEM_DIR): ClusterLocation {
  const inDataDir = join(resolve(dataDir), 'postgres');
  if (!runAs) return { clusterDir: inDataDir, binaries };
  const dataReachable = existsSync(inDataDir) ? reachableBy(runAs, inDataDir) : reachableBy(runAs, existingAncestor(dataDir));
  const binariesReachable = reachableBy(runAs, join(binaries, 'bin'));
  if (dataReachable && binariesReachable) return { clusterDir: inDataDir, binaries };
  const key = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  mkdirSync(systemDir, { recursive: true, mode: 0o755 });
  const clusterDir = dataReachable ? inDataDir : join(systemDir, key(resolve(dataDir)), 'postgres');
  if (!dataReachable) mkdirSync(join(clusterDir, '..'), { recursive: true, mode: 0o755 });
  return {
    clusterDir,
    binaries: binariesReachable ? binaries : copyBinaries(binaries, join(systemDir, `bin-${key(realpathSync(binaries))}`)),
    relocatedBecause: `the postgres OS user (which runs PostgreSQL for root) cannot enter ${dataReachable ? binaries : resolve(dataDir)}`,
  };
}

/** Copies the binaries once, into place by rename, so a half-finished copy is never used. */
function copyBinaries(from: string, to: string): string {
  if (existsSync(join(to, 'bin'))) return to;
  const pending = `${to}.${process.pid}.tmp`;
  rmSync(pending, { recursive: true, force: true });
  cpSync(from, pending, { recursive: true, verbatimSymlinks: true });
  chmodSync(pending, 0o755);
  writeFileSync(join(pending, 'COPIED_FROM'), `${from}\n`);
  renameSync(pending, to);
  return to;
}

/** The cluster directory belongs to the postgres user (PostgreSQL insists on owning it, mode 0700). */
export function prepareClusterDir(clusterDir: string, runAs: RunAs | undefined): void {
  mkdirSync(clusterDir, { mode: 0o700 });
  if (runAs) chownSync(clusterDir, runAs.uid, runAs.gid);
}
