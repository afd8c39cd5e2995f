import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

/** The Node line the service is built and deployed on (Dockerfile, CI); the lock must install there. */
const NODE_LINE = '20.20.2';

describe('the lock file', () => {
  const lock = JSON.parse(readFileSync(join(__dirname, '..', 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const locked = Object.entries(lock.packages).filter(([path]) => path !== '');

  it('pins only packages whose engines accept Node 20', () => {
    expect(locked.length).toBeGreaterThan(300);
    const refused = locked
      .map(([path, pkg]) => [path, Array.isArray(pkg.engines) ? undefined : pkg.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(NODE_LINE, range, { includePrerelease: true }))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refused).toEqual([]);
  });

  it('pins the MikroORM family to one version', () => {
    const versions = new Set(locked.filter(([path]) => /node_modules\/@mikro-orm\/[^/]+$/.test(path)).map(([, pkg]) => pkg.version));
    expect([...versions]).toHaveLength(1);
  });
});
