import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printGraphQLSchema } from '../graphql/print-schema';

const target = resolve(__dirname, '..', '..', 'schema.graphql');

printGraphQLSchema()
  .then((sdl) => writeFile(target, sdl))
  .then(() => process.stdout.write(`Wrote ${target}\n`))
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
