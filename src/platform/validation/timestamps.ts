/**
 * The instants PostgreSQL's timestamptz accepts as the ORM writes them (ISO text): years 1 to 9999.
 * Year 0 and six-digit years parse in JavaScript but fail in SQL, so inputs are held to this range.
 */
export const EARLIEST_TIMESTAMP = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_TIMESTAMP = new Date('9999-12-31T23:59:59.999Z');

export function isStorableTimestamp(value: unknown): value is Date {
  return value instanceof Date && value.getTime() >= EARLIEST_TIMESTAMP.getTime() && value.getTime() <= LATEST_TIMESTAMP.getTime();
}
