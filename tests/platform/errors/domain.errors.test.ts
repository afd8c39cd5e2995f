import { requireActor } from '../../../src/auth/auth.service';
import { UnauthenticatedError } from '../../../src/platform/errors/domain.errors';

describe('UnauthenticatedError.required', () => {
  it('is the one answer to a caller who must be signed in and is not', () => {
    const error = UnauthenticatedError.required();
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Authentication is required.' });
  });

  it('is what requireActor throws, and requireActor lets a signed-in caller through', () => {
    expect(() => requireActor({ actor: null })).toThrow(UnauthenticatedError.required());
    const actor = { id: 'a', username: 'ann', role: 'user', sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) } as never;
    expect(requireActor({ actor })).toBe(actor);
  });
});
