import { PreconditionFailedError, PreconditionRequiredError } from '../../src/platform/errors/domain.errors';
import { assertVersion, expectedVersion } from '../../src/users/version.precondition';

describe('assertVersion', () => {
  it('passes a change that names the current version, or one of several', () => {
    expect(() => assertVersion(3, { anyOf: [3] }, true)).not.toThrow();
    expect(() => assertVersion(3, { anyOf: [1, 3] }, false)).not.toThrow();
  });

  it('refuses a change that names another version: the user changed since it was read', () => {
    expect(() => assertVersion(4, { anyOf: [3] }, false)).toThrow(PreconditionFailedError);
    expect(() => assertVersion(4, { anyOf: [] }, false)).toThrow('it is at version 4');
  });

  it('lets a change that names no version through, unless the server requires one (REQUIRE_IF_MATCH)', () => {
    expect(() => assertVersion(4, undefined, false)).not.toThrow();
    expect(() => assertVersion(4, undefined, true)).toThrow(PreconditionRequiredError);
  });
});

describe('expectedVersion (GraphQL expectedVersion)', () => {
  it('names the one version given, and nothing for null or absent', () => {
    expect(expectedVersion(7)).toEqual({ anyOf: [7] });
    expect(expectedVersion(0)).toEqual({ anyOf: [0] });
    expect(expectedVersion(null)).toBeUndefined();
    expect(expectedVersion(undefined)).toBeUndefined();
  });
});
