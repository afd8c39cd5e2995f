import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printGraphQLSchema } from '../../src/graphql/print-schema';

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:emit` after changing types)', async () => {
    const committed = await readFile(resolve(__dirname, '../../schema.graphql'), 'utf8');
    expect(committed).toBe(await printGraphQLSchema());
  });

  it('shows the @auth directive, its declaration and where it is applied', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).toMatch(/directive @auth\(requires: RequiredRole = USER\) on OBJECT \| FIELD_DEFINITION/);
    expect(sdl).toMatch(/users\([^)]*\): UserConnection! @auth\(requires: MODERATOR\)/s);
  });

  it('never exposes password hashes or deletion marks', async () => {
    const sdl = await printGraphQLSchema();
    expect(sdl).not.toMatch(/passwordHash|deletedAt|tokenHash/);
  });
});
