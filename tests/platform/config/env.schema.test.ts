import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from '../../../src/platform/config/env.schema';

/** The variables named in the first column of the README's Configuration table. */
function documentedVariables(): string[] {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const firstColumns = section.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|')[1]);
  return firstColumns.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]));
}

describe('the README Configuration table', () => {
  const variables = Object.keys(envSchema.innerType().shape);

  it('documents every variable the service reads', () => {
    expect(variables.length).toBeGreaterThan(40);
    expect(variables.filter((name) => !documentedVariables().includes(name))).toEqual([]);
  });

  it('documents no variable the service does not read', () => {
    expect(documentedVariables().filter((name) => !variables.includes(name))).toEqual([]);
  });
});
