import { type FieldError, ValidationError } from '../platform/errors/domain.errors';

export type ParseResult = { ok: true; value: unknown } | { ok: false; message: string };
/** A parameter the built-in kinds cannot express: its parser and its JSON Schema for OpenAPI. */
export interface CustomParam {
  parse(text: string): ParseResult;
  schema: Record<string, unknown>;
}
export type ParamKind = 'string' | 'int' | 'boolean' | 'datetime' | CustomParam;
export type ParamSpec = Record<string, ParamKind>;

/** The JSON Schema of a parameter, for the OpenAPI document: the same spec the parser uses. */
export function paramSchema(kind: ParamKind): Record<string, unknown> {
  if (typeof kind === 'object') return kind.schema;
  return { string: { type: 'string' }, int: { type: 'integer', minimum: 1 }, boolean: { type: 'boolean' }, datetime: { type: 'string', format: 'date-time' } }[kind];
}

/**
 * Reads query-string text into typed values, by a declared kind per parameter. Only syntax is
 * checked here (is it a number, a boolean, a date); the rules live in the service. Unknown and
 * repeated parameters are refused, every problem reported at once.
 */
export function parseQueryParams(query: Record<string, unknown>, kinds: ParamSpec): Record<string, unknown> {
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    // Own keys only: "__proto__" or "constructor" must not find Object.prototype's members.
    const kind = Object.hasOwn(kinds, key) ? kinds[key] : undefined;
    if (kind === undefined) {
      errors.push({ field: key, message: `${key} is not a known query parameter` });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ field: key, message: `${key} must be given once` });
      continue;
    }
    // An empty filter means no filter; an empty page number is still a mistake.
    if (raw.trim() === '' && kind !== 'int') continue;
    const parsed = parse(kind, raw);
    if (parsed.ok) values[key] = parsed.value;
    else errors.push({ field: key, message: `${key} ${parsed.message}` });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return values;
}

function parse(kind: ParamKind, text: string): ParseResult {
  if (typeof kind === 'object') return kind.parse(text);
  switch (kind) {
    case 'string':
      return { ok: true, value: text };
    case 'int':
      return /^\d{1,9}$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: 'must be a positive integer' };
    case 'boolean':
      return text === 'true' || text === 'false' ? { ok: true, value: text === 'true' } : { ok: false, message: 'must be true or false' };
    case 'datetime': {
      const date = new Date(text);
      return /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(date.getTime()) ? { ok: true, value: date } : { ok: false, message: 'must be an ISO 8601 date-time' };
    }
  }
}

/** Splits parsed values into the named groups a service method takes. */
export function pickParams(values: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in values).map((key) => [key, values[key]]));
}
