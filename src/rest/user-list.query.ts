import { SortDirection, type UserSortField } from '../dto/graphql-enums';
import { DEFAULT_USER_ORDER, type UserOrderInput } from '../dto/user-query.inputs';
import { type ParseResult, parseQueryParams, pickParams } from './query-params';

const SORT = /^(-?)(createdAt|updatedAt|username|email|lastName)$/;

export interface UserListQuery {
  filter: Record<string, unknown>;
  order: UserOrderInput;
  page: Record<string, unknown>;
}

function parseSort(text: string): ParseResult {
  const match = SORT.exec(text);
  if (!match) return { ok: false, message: 'must be one of createdAt, updatedAt, username, email, lastName, optionally prefixed with -' };
  return { ok: true, value: { field: match[2] as UserSortField, direction: match[1] === '-' ? SortDirection.DESC : SortDirection.ASC } };
}

/** GET /v1/users?page&limit&q&role&isActive&emailVerified&createdAfter&createdBefore&sort */
export function parseUserListQuery(query: Record<string, unknown>): UserListQuery {
  const values = parseQueryParams(query, {
    q: 'string',
    role: 'string',
    isActive: 'boolean',
    emailVerified: 'boolean',
    createdAfter: 'datetime',
    createdBefore: 'datetime',
    page: 'int',
    limit: 'int',
    sort: parseSort,
  });
  return {
    filter: pickParams(values, ['q', 'role', 'isActive', 'emailVerified', 'createdAfter', 'createdBefore']),
    order: (values.sort as UserOrderInput | undefined) ?? DEFAULT_USER_ORDER,
    page: pickParams(values, ['page', 'limit']),
  };
}
