import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envSchema } from '../../src/platform/config/env.schema';
import { startTestServer, type TestServer } from '../support/test-server';

jest.setTimeout(120_000);

const README = readFileSync(resolve(__dirname, '..', '..', 'README.md'), 'utf8');

interface Step {
  /** The step's commands and comments, as written. */
  script: string;
  /** Its `# => ` lines: one per line of output, `…` standing for anything. */
  expected: string[];
}

/** Every ```bash walk block, cut into steps at its `# =>` lines. */
function walkSteps(markdown: string): Step[][] {
  const blocks = [...markdown.matchAll(/^```bash walk\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  return blocks.map((block) => {
    const steps: Step[] = [];
    let script: string[] = [];
    let expected: string[] = [];
    const flush = () => {
      if (script.some((line) => line.trim() && !line.trim().startsWith('#')) || expected.length > 0) steps.push({ script: script.join('\n'), expected });
      script = [];
      expected = [];
    };
    for (const line of block.split('\n')) {
      if (line.startsWith('# => ')) {
        expected.push(line.slice('# => '.length));
        continue;
      }
      if (expected.length > 0) flush();
      script.push(line);
    }
    flush();
    return steps;
  });
}

function pattern(expected: string): RegExp {
  return new RegExp(`^${expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

const MARK = '@@readme-step@@';

/** Runs the steps in one bash, as a person pasting them would, and returns each step's output lines. */
function runWalk(steps: Step[], cwd: string, env: Record<string, string>): Promise<{ outputs: string[][]; stderr: string; code: number }> {
  const script = ['set -euo pipefail', ...steps.flatMap((step) => [step.script, `echo '${MARK}'`])].join('\n');
  return new Promise((resolvePromise) => {
    execFile('bash', ['-c', script], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const outputs = stdout.split(`${MARK}\n`).map((chunk) => chunk.split('\n').filter((line) => line !== ''));
      resolvePromise({ outputs, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** The limits a fresh `npm start` has: the test server's are raised for the suites, the walk shows the real ones. */
function defaultRateLimits(): Record<string, string> {
  const defaults = envSchema.parse({}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(defaults)
      .filter(([name]) => name.startsWith('RATE_LIMIT_') && name.endsWith('_PER_IP') || /^RATE_LIMIT_\w+_PER_USER$/.test(name))
      .map(([name, rule]) => [name, `${(rule as { limit: number }).limit}/${(rule as { windowSeconds: number }).windowSeconds}`]),
  );
}

describe('the README', () => {
  const blocks = walkSteps(README);

  it('has the REST walk, cut into steps that each say what they print', () => {
    expect(blocks).toHaveLength(1);
    expect(blocks[0].length).toBeGreaterThan(10);
    expect(blocks[0].filter((step) => step.expected.length === 0)).toEqual([]);
  });

  describe('walk, run with bash against a fresh server', () => {
    let server: TestServer;
    let cwd: string;

    beforeAll(async () => {
      // The project folder of a fresh start: the first admin's credentials in ./data, default limits.
      cwd = mkdtempSync(join(tmpdir(), 'uma-readme-'));
      mkdirSync(join(cwd, 'data'));
      server = await startTestServer({ NODE_ENV: 'development', ADMIN_GENERATE: 'true', DATA_DIR: join(cwd, 'data'), ...defaultRateLimits() });
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(cwd, { recursive: true, force: true });
    });

    it('prints, step by step, what the README says it prints', async () => {
      const steps = blocks[0];
      const { outputs, stderr, code } = await runWalk(steps, cwd, { API: server.url });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      steps.forEach((step, index) => {
        const output = outputs[index] ?? [];
        const report = { step: step.script.split('\n').find((line) => line.startsWith('#')) ?? step.script.split('\n')[0], output };
        expect({ ...report, lines: output.length }).toEqual({ ...report, lines: step.expected.length });
        step.expected.forEach((line, i) => expect({ ...report, matches: pattern(line).test(output[i]) }).toEqual({ ...report, matches: true }));
      });
    });
  });
});
