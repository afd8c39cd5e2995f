import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createFormatError, graphqlRequestScope, tokenRefusal } from '../../src/graphql/format-error';
import { refuseToken } from '../../src/auth/tokens/token.refusal';
import { HeaderMap } from '@apollo/server';
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

describe('tokenRefusal (the GraphQL rendering of refuseToken)', () => {
  it('answers a bad token with UNAUTHENTICATED (401) and its reason', () => {
    const refusal = tokenRefusal(refuseToken(new UnauthenticatedError('The token has been revoked.')));
    expect(refusal).toBeInstanceOf(GraphQLError);
    expect(refusal.message).toBe('The token has been revoked.');
    expect(refusal.extensions).toEqual({ code: 'UNAUTHENTICATED', http: { status: 401, headers: new HeaderMap() } });
  });

  it('answers a token that could not be checked with SERVICE_UNAVAILABLE (503) and a Retry-After, naming no internals', () => {
    for (const [cause, message] of [
      [new ServiceUnavailableError('The database is unavailable.'), 'The database is unavailable.'],
      [new Error('ECONNRESET 10.0.0.5'), 'Authentication could not be checked.'],
    ] as const) {
      const refusal = tokenRefusal(refuseToken(cause));
      expect(refusal.message).toBe(message);
      expect(refusal.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 5, http: { status: 503, headers: new HeaderMap([['retry-after', '5']]) } });
    }
  });
});
