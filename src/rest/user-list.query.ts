import { SortDirection, type UserSortField } from '../dto/graphql-enums';
import type { UserOrderInput } from '../dto/user-query.inputs';
import { type FieldError, ValidationError } from '../errors/domain.errors';

const FILTER_KEYS = ['q', 'role', 'isActive', 'emailVerified', 'createdAfter', 'createdBefore'] as const;
const PAGE_KEYS = ['page', 'limit'] as const;
const KNOWN_KEYS = new Set<string>([...FILTER_KEYS, ...PAGE_KEYS, 'sort']);
const SORT = /^(-?)(createdAt|updatedAt|username|email|lastName)$/;

export interface UserListQuery {
  filter: Record<string, unknown>;
  order: UserOrderInput;
  page: Record<string, unknown>;
}

/**
 * Turns query-string text into the typed filter, order and page the service validates. Only the
 * syntax is checked here (is it a number, a boolean, a date); the rules live in the service.
 */
export function parseUserListQuery(query: Record<string, unknown>): UserListQuery {
  const errors: FieldError[] = [];
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!KNOWN_KEYS.has(key)) errors.push({ field: key, message: `${key} is not a known query parameter` });
    else if (typeof value !== 'string') errors.push({ field: key, message: `${key} must be given once` });
    else text[key] = value;
  }

  const filter: Record<string, unknown> = {};
  if (text.q !== undefined && text.q.trim() !== '') filter.q = text.q;
  if (text.role !== undefined && text.role !== '') filter.role = text.role;
  for (const key of ['isActive', 'emailVerified'] as const) {
    if (text[key] === undefined || text[key] === '') continue;
    if (text[key] === 'true' || text[key] === 'false') filter[key] = text[key] === 'true';
    else errors.push({ field: key, message: `${key} must be true or false` });
  }
  for (const key of ['createdAfter', 'createdBefore'] as const) {
    if (text[key] === undefined || text[key] === '') continue;
    const date = new Date(text[key]);
    if (/^\d{4}-\d{2}-\d{2}/.test(text[key]) && !Number.isNaN(date.getTime())) filter[key] = date;
    else errors.push({ field: key, message: `${key} must be an ISO 8601 date-time` });
  }

  const page: Record<string, unknown> = {};
  for (const key of PAGE_KEYS) {
    if (text[key] === undefined) continue;
    if (/^\d{1,9}$/.test(text[key])) page[key] = Number(text[key]);
    else errors.push({ field: key, message: `${key} must be a positive integer` });
  }

  let order: UserOrderInput = { field: 'createdAt' as UserSortField, direction: SortDirection.DESC };
  if (text.sort !== undefined) {
    const match = SORT.exec(text.sort);
    if (match) order = { field: match[2] as UserSortField, direction: match[1] === '-' ? SortDirection.DESC : SortDirection.ASC };
    else errors.push({ field: 'sort', message: 'sort must be one of createdAt, updatedAt, username, email, lastName, optionally prefixed with -' });
  }

  if (errors.length > 0) throw new ValidationError(errors);
  return { filter, order, page };
}
