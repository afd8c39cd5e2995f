import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createFormatError, graphqlRequestScope, tokenRefusal } from '../../src/graphql/format-error';
import { NotFoundError, ServiceUnavailableError, UnauthenticatedError } from '../../src/platform/errors/domain.errors';

const formatted = (message: string, extensions?: Record<string, unknown>): GraphQLFormattedError => ({ message, path: ['me'], ...(extensions ? { extensions } : {}) });

describe('createFormatError', () => {
  it('logs an unexpected error with the request id, and answers it without internals', () => {
    const reported: [unknown, string | undefined][] = [];
    const format = createFormatError((error, requestId) => reported.push([error, requestId]));
    const boom = new Error('connection string postgres://secret@db');
    const answer = graphqlRequestScope.run({ requestId: 'req-42' }, () => format(formatted(boom.message), boom));
    expect(reported).toEqual([[boom, 'req-42']]);
    expect(answer).toEqual({ message: 'Internal server error.', path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' } });
  });

  it('maps a domain error to its code without logging it', () => {
    const reported: unknown[] = [];
    const format = createFormatError((error) => reported.push(error));
    const answer = graphqlRequestScope.run({ requestId: 'req-43' }, () => format(formatted('x'), new NotFoundError('User not found.')));
    expect(answer).toMatchObject({ message: 'User not found.', extensions: { code: 'NOT_FOUND', requestId: 'req-43' } });
    expect(reported).toEqual([]);
  });

  it('outside a request it still logs, without a request id', () => {
    const reported: [unknown, string | undefined][] = [];
    const boom = new Error('boom');
    createFormatError((error, requestId) => reported.push([error, requestId]))(formatted('boom'), boom);
    expect(reported).toEqual([[boom, undefined]]);
  });
});

describe('tokenRefusal', () => {
  it('answers a bad token with UNAUTHENTICATED (401) and its reason', () => {
    const refusal = tokenRefusal(new UnauthenticatedError('The token has been revoked.'));
    expect(refusal).toBeInstanceOf(GraphQLError);
    expect(refusal.message).toBe('The token has been revoked.');
    expect(refusal.extensions).toEqual({ code: 'UNAUTHENTICATED', http: { status: 401 } });
  });

  it('answers a token that could not be checked with SERVICE_UNAVAILABLE (503), naming no cause', () => {
    for (const cause of [new ServiceUnavailableError('The database is unavailable.'), new Error('ECONNRESET 10.0.0.5')]) {
      const refusal = tokenRefusal(cause);
      expect(refusal.message).toBe('Authentication could not be checked.');
      expect(refusal.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', http: { status: 503 } });
    }
  });
});
