import { SortDirection, type UserSortField } from '../graphql/graphql-enums';
import { DEFAULT_USER_ORDER, type UserOrderInput } from './user-query.inputs';
import { type CustomParam, type ParamSpec, type ParseResult, parseQueryParams, pickParams } from '../http/query-params';

const SORT = /^(-?)(createdAt|updatedAt|username|email|lastName)$/;

export interface UserListQuery {
  filter: Record<string, unknown>;
  order: UserOrderInput;
  page: Record<string, unknown>;
}

const sortParam: CustomParam = {
  schema: { type: 'string', pattern: SORT.source, default: '-createdAt', description: 'A field, with - for descending; ties are broken by id.' },
  parse(text: string): ParseResult {
    const match = SORT.exec(text);
    if (!match) return { ok: false, message: 'must be one of createdAt, updatedAt, username, email, lastName, optionally prefixed with -' };
    return { ok: true, value: { field: match[2] as UserSortField, direction: match[1] === '-' ? SortDirection.DESC : SortDirection.ASC } };
  },
};

export const USER_LIST_PARAMS: ParamSpec = {
  q: 'string',
  role: { schema: { type: 'string', enum: ['admin', 'moderator', 'user'] }, parse: (text) => ({ ok: true, value: text }) },
  isActive: 'boolean',
  emailVerified: 'boolean',
  createdAfter: 'datetime',
  createdBefore: 'datetime',
  page: 'int',
  limit: { schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, parse: (text) => (/^\d{1,9}$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: 'must be a positive integer' }) },
  sort: sortParam,
};

/** GET /v1/users?page&limit&q&role&isActive&emailVerified&createdAfter&createdBefore&sort */
export function parseUserListQuery(query: Record<string, unknown>): UserListQuery {
  const values = parseQueryParams(query, USER_LIST_PARAMS);
  return {
    filter: pickParams(values, ['q', 'role', 'isActive', 'emailVerified', 'createdAfter', 'createdBefore']),
    order: (values.sort as UserOrderInput | undefined) ?? DEFAULT_USER_ORDER,
    page: pickParams(values, ['page', 'limit']),
  };
}
