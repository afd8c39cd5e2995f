import { buildSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Everything a client can see in the schema explains itself. */
describe('schema descriptions', () => {
  const schema = buildSchema(readFileSync(resolve(__dirname, '../../schema.graphql'), 'utf8'));
  const ownTypes = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));

  it('describe every field and argument of every root operation', () => {
    const missing: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      for (const field of Object.values(root?.getFields() ?? {})) {
        if (!field.description) missing.push(`${root?.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describe every object, input and enum type', () => {
    const missing = ownTypes
      .filter((type) => (isObjectType(type) || isInputObjectType(type) || isEnumType(type)) && !['Query', 'Mutation'].includes(type.name))
      .filter((type) => !type.description)
      .map((type) => type.name);
    expect(missing).toEqual([]);
  });

  it('describe every field of the object types', () => {
    const missing = ownTypes
      .filter(isObjectType)
      .filter((type) => !['Query', 'Mutation'].includes(type.name))
      .flatMap((type) => Object.values(type.getFields()).filter((field) => !field.description).map((field) => `${type.name}.${field.name}`));
    expect(missing).toEqual([]);
  });
});
