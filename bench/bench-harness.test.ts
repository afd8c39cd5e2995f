import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/*
 * Smoke check of the benchmark harness (`npm run test:bench`, not part of `npm test`): `npm run bench -- --quick` builds, seeds its own
 * database, runs every scenario briefly and writes the report. Only the harness is checked here:
 * it finishes, and the markdown, JSON and SVG hold every scenario with numbers. No timing is
 * asserted; the numbers of a quick run on a busy test machine mean nothing.
 */

const ROOT = resolve(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const SCENARIOS = [
  'baseline-http',
  'baseline-pg',
  'baseline-argon2',
  'rest-get-user',
  'graphql-user',
  'graphql-users-search',
  'rest-list-search',
  'rest-patch-user',
  'rest-create-user',
  'auth-login',
  'auth-refresh',
  'mixed',
  'mixed-open',
];
// Issue 17's goals; a quick scan has no 10,000-connection level, so no scan-10000 target.
const TARGETS = ['cached-read-vs-pg', 'graphql-vs-rest', 'login-vs-argon2', 'scan-1000', 'mixed-open-rate'];

function runBench(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['run', 'bench', '--', '--quick'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
/** The webhook scenario's figures (report.webhooks): latency percentiles and the drain rate. */
const WEBHOOK_FIGURES = (report: { webhooks?: { latency: Record<string, unknown>; throughput: Record<string, unknown> } }) => [report.webhooks?.latency.p50Ms, report.webhooks?.latency.p99Ms, report.webhooks?.throughput.eventsPerSecond];

describe('npm run bench -- --quick', () => {
  it('exits 0 and writes the markdown, JSON and SVG with every scenario', async () => {
    const startedAt = Date.now();
    const { code, output } = await runBench();
    expect({ code, output: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, output: '' });

    const files = Object.fromEntries(['md', 'json', 'svg'].map((ext) => [ext, join(RESULTS, `latest-quick.${ext}`)]));
    for (const file of Object.values(files)) expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(startedAt - 1000);

    const report = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(report.mode).toBe('quick');
    expect(report.scenarios.map((s: { id: string }) => s.id).sort()).toEqual([...SCENARIOS].sort());
    for (const scenario of report.scenarios) {
      const numbers = {
        rps: scenario.rps,
        p50: scenario.latencyMs.p50,
        p95: scenario.latencyMs.p95,
        p99: scenario.latencyMs.p99,
        max: scenario.latencyMs.max,
        errors: scenario.errors,
        non2xx: scenario.non2xx,
        responses: scenario.responses,
        peakRssMiB: scenario.peakRssMiB,
        sqlPerRequest: scenario.sqlPerRequest,
      };
      for (const [field, value] of Object.entries(numbers)) expect({ id: scenario.id, field, numeric: isNumber(value) }).toEqual({ id: scenario.id, field, numeric: true });
      expect(scenario.responses).toBeGreaterThan(0);
      if (scenario.target === 'api' && scenario.group === 'read') expect(isNumber(scenario.cacheHitRate)).toBe(true);
    }
    expect(report.targets.map((t: { id: string }) => t.id).sort()).toEqual([...TARGETS].sort());
    for (const target of report.targets) {
      expect({ id: target.id, value: isNumber(target.value), met: typeof target.met, threshold: isNumber(target.threshold) }).toEqual({ id: target.id, value: true, met: 'boolean', threshold: true });
      if (target.unit === 'ratio') {
        // One repeat in a quick run: each repeat's ratio, and their spread.
        expect(target.repeats.length).toBeGreaterThan(0);
        for (const repeat of target.repeats) expect(isNumber(repeat.ratio)).toBe(true);
        expect([isNumber(target.spread.min), isNumber(target.spread.max)]).toEqual([true, true]);
      }
    }
    // The open-loop search: every step with its rate, achieved rate, p99 and verdict.
    expect(report.openLoop.steps.length).toBeGreaterThan(0);
    expect(report.openLoop.steps.length).toBeLessThanOrEqual(report.openLoop.settings.maxSteps);
    for (const step of report.openLoop.steps) {
      expect([isNumber(step.rate), isNumber(step.achievedRate), isNumber(step.latencyMs.p99), isNumber(step.errors), typeof step.holds]).toEqual([true, true, true, true, 'boolean']);
    }
    expect(report.ratios.length).toBeGreaterThan(0);
    for (const ratio of report.ratios) expect([isNumber(ratio.vsBareHttp), isNumber(ratio.vsExpressPg)]).toEqual([true, true]);
    expect(report.scan.levels.map((level: { connections: number }) => level.connections)).toEqual([100, 1000]);
    // Every level runs (none skipped for errors at an earlier one).
    for (const level of report.scan.levels) {
      expect({ connections: level.connections, skipped: level.skipped ?? false }).toEqual({ connections: level.connections, skipped: false });
      expect([isNumber(level.rps), isNumber(level.latencyMs.p99), isNumber(level.errors), isNumber(level.timeouts), isNumber(level.non2xx), isNumber(level.listenOverflows), isNumber(level.apiCpuCores)]).toEqual([true, true, true, true, true, true, true]);
    }
    expect(isNumber(report.api.peakRssMiB)).toBe(true);
    expect(WEBHOOK_FIGURES(report).map(isNumber)).toEqual([true, true, true]);

    const markdown = readFileSync(files.md, 'utf8');
    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.trimStart().startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const id of SCENARIOS) {
      expect({ id, inMarkdown: markdown.includes(`| ${id} |`) }).toEqual({ id, inMarkdown: true });
      expect({ id, inSvg: svg.includes(`>${id}</text>`) }).toEqual({ id, inSvg: true });
    }
    for (const heading of ['## Results', '## Throughput against the baselines', '## Targets', '## Mixed open loop', '## Webhooks', '## Concurrency scan']) expect(markdown).toContain(heading);
    // The targets table: value, spread, threshold and verdict per target.
    expect(markdown).toContain('| goal | target | value | spread / details | threshold | |');
  }, 900_000);
});
