import { parse } from 'graphql';
import { costVariables, measure } from '../../src/graphql/query-limits.plugin';

describe('costVariables: the variables that can change what an operation costs', () => {
  it('are those given to `first` and to @include/@skip, in fragments too', () => {
    const document = parse(`
      query Q($id: UUID!, $n: Int, $m: Int, $show: Boolean!, $hide: Boolean!, $q: String) {
        user(id: $id) { id sessions @include(if: $show) { id } }
        users(first: $n, filter: { q: $q }) { edges { node { ...F } } }
      }
      fragment F on User { id auditLogs(first: $m) @skip(if: $hide) { totalCount } }
    `);
    expect(costVariables(document)).toEqual(['hide', 'm', 'n', 'show']);
  });

  it('are none for an operation whose cost no variable changes', () => {
    expect(costVariables(parse('query($id: UUID!) { user(id: $id) { id username } }'))).toEqual([]);
  });
});

describe('measure: depth and aliases', () => {
  it('follows fragments and counts aliases', () => {
    const document = parse('query { a: me { id ...F } b: me { id } } fragment F on User { sessions { id } }');
    expect(measure(document)).toEqual({ depth: 3, aliases: 2 });
  });
});
