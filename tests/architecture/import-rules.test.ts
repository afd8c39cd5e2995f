import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/**
 * The README's "layers talk downward only" and "features keep their back-ends to themselves", as
 * dependency-cruiser rules (.dependency-cruiser.cjs). dependency-cruiser is ESM-only, which jest's
 * CommonJS runtime cannot load, so it runs as its own process.
 */
const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CLI = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): Violation[] {
  // Exits non-zero when it finds violations; the JSON report is on stdout either way.
  let output: string;
  try {
    output = execFileSync(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    output = (error as { stdout?: string }).stdout ?? '';
    if (!output) throw error;
  }
  const report = JSON.parse(output) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(report.summary.totalCruised).toBeGreaterThan(0);
  return report.summary.violations;
}

const described = (violations: Violation[]) => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('import rules', () => {
  it('src/ breaks none of them', () => {
    expect(described(cruise(ROOT))).toEqual([]);
  });

  describe('each rule reports a bad import (on a throw-away tree)', () => {
    let tree: string;

    /** One file per entry; each imports the ones it names, so each bad edge is the only one of its kind. */
    function writeTree(files: Record<string, string[]>): void {
      for (const [file, imports] of Object.entries(files)) {
        const path = join(tree, file);
        mkdirSync(dirname(path), { recursive: true });
        const lines = imports.map((target, i) => {
          let spec = relative(dirname(file), target).replace(/\.ts$/, '');
          if (!spec.startsWith('.')) spec = `./${spec}`;
          return `import * as m${i} from '${spec}';\nexport const u${i} = m${i};`;
        });
        writeFileSync(path, `${lines.join('\n')}\nexport const here = '${file}';\n`);
      }
    }

    beforeAll(() => {
      tree = mkdtempSync(join(tmpdir(), 'uma-import-rules-'));
      writeFileSync(join(tree, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
      writeTree({
        // Allowed: downward, and a feature using another's port.
        'src/users/user.service.ts': ['src/platform/errors/domain.errors.ts', 'src/context/request-context.ts', 'src/auth/sessions/session.cache.ts'],
        'src/platform/errors/domain.errors.ts': [],
        'src/context/request-context.ts': ['src/users/user-role.ts'],
        'src/users/user-role.ts': [],
        'src/auth/sessions/session.cache.ts': [],
        'src/main.ts': ['src/app/serve.ts'],
        'src/app/serve.ts': ['src/auth/sessions/redis-session.cache.ts', 'src/users/users.router.ts'],
        'src/rest/index.ts': ['src/users/users.router.ts'],
        'src/users/users.router.ts': ['src/http/json-body.ts', 'src/users/user.presenter.ts'],
        'src/users/user.presenter.ts': ['src/http/query-params.ts'],
        'src/http/query-params.ts': [],
        'src/http/json-body.ts': [],
        // Each of these breaks exactly one rule.
        'src/platform/db/stickiness.ts': ['src/users/user.service.ts'],
        'src/platform/db/orm.config.ts': ['src/entities/index.ts', 'src/users/user.service.ts'],
        'src/entities/index.ts': [],
        'src/context/loaders.ts': ['src/graphql/schema.ts'],
        'src/graphql/schema.ts': [],
        'src/auth/auth.service.ts': ['src/http/request-context.ts'],
        'src/http/request-context.ts': [],
        'src/audit/audit-logs.router.ts': [],
        'src/users/user.resolver.ts': ['src/audit/audit-logs.router.ts'],
        'src/users/cache/user.cache.ts': ['src/auth/sessions/redis-session.cache.ts'],
        'src/auth/sessions/redis-session.cache.ts': [],
        'src/http/health.router.ts': ['src/app/readiness.ts'],
        'src/app/readiness.ts': [],
      });
    });

    afterAll(() => rmSync(tree, { recursive: true, force: true }));

    it('names every bad import, and only those', () => {
      expect(described(cruise(tree)).sort()).toEqual(
        [
          'platform-is-the-floor: src/platform/db/stickiness.ts -> src/users/user.service.ts',
          'platform-exceptions-stay-narrow: src/platform/db/orm.config.ts -> src/users/user.service.ts',
          'context-below-doors: src/context/loaders.ts -> src/graphql/schema.ts',
          'features-below-doors: src/auth/auth.service.ts -> src/http/request-context.ts',
          'doors-are-leaves: src/users/user.resolver.ts -> src/audit/audit-logs.router.ts',
          'feature-backends-are-private: src/users/cache/user.cache.ts -> src/auth/sessions/redis-session.cache.ts',
          'app-is-the-top: src/http/health.router.ts -> src/app/readiness.ts',
          // The rest/ barrel and app/ may read routers; a service may not.
        ].sort(),
      );
    });
  });
});
