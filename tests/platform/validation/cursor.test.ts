import { Cursor } from '@mikro-orm/core';
import { ValidationError } from '../../../src/platform/errors/domain.errors';
import { withCursor } from '../../../src/platform/validation/cursor';

const invalidCursor = { errors: [{ field: 'after', message: 'after is not a cursor of this listing' }] };

describe('withCursor', () => {
  it('runs the query for the first page and for a cursor the ORM can decode', async () => {
    expect(await withCursor(undefined, async () => 'first')).toBe('first');
    expect(await withCursor(Cursor.encode(['2026-01-01', 'id-1']), async () => 'next')).toBe('next');
  });

  it('refuses garbage before it reaches the ORM, as a validation error on `after`', async () => {
    const query = jest.fn(async () => 'never');
    for (const after of ['not base64 json', Buffer.from('{"a":1}').toString('base64url')]) {
      await expect(withCursor(after, query)).rejects.toMatchObject(invalidCursor);
    }
    expect(query).not.toHaveBeenCalled();
  });

  it("turns the ORM's own complaint about a decodable but foreign cursor into the same validation error", async () => {
    const error = withCursor(Cursor.encode(['x']), async () => Promise.reject(new Error('Invalid cursor condition, value for `createdAt` is missing.')));
    await expect(error).rejects.toBeInstanceOf(ValidationError);
    await expect(withCursor(Cursor.encode(['x']), async () => Promise.reject(new Error('cursor mismatch')))).rejects.toMatchObject(invalidCursor);
  });

  it('lets other failures through, and a cursor complaint on the first page is not the caller\'s', async () => {
    await expect(withCursor(Cursor.encode(['x']), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withCursor(undefined, async () => Promise.reject(new Error('cursor went wrong')))).rejects.toThrow('cursor went wrong');
  });
});
