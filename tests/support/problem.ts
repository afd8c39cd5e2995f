import type { HttpResponse } from './http';

/** The fields every public user representation carries: no more, no less. */
export const PUBLIC_USER_FIELDS = [
  'id',
  'username',
  'email',
  'firstName',
  'lastName',
  'phone',
  'role',
  'isActive',
  'emailVerified',
  'pendingEmail',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
  'version',
].sort();

/**
 * Asserts an RFC 9457 problem response with the given status and returns its body. The status is
 * compared together with the body, so a failure shows what the server actually said.
 */
export function expectProblem(response: HttpResponse, status: number): Record<string, any> {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { status } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^\/problems\/[a-z-]+$/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      requestId: response.headers.get('x-request-id'),
    }),
  );
  expect(response.body.requestId).toEqual(expect.any(String));
  return response.body;
}

/** The distinct field names of a validation problem (REST `errors` or GraphQL `extensions.errors`), sorted. */
export function fieldNames(errors: unknown): string[] {
  expect(Array.isArray(errors)).toBe(true);
  return [...new Set((errors as { field: string }[]).map((error) => error.field))].sort();
}

/** Asserts a 2xx status, showing the body when it is not. */
export function expectStatus(response: HttpResponse, status: number): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
