import { teardownTestPostgres } from './test-postgres';

/** Jest's globalTeardown (jest.config.js): runs once, after every test file. */
export default async function globalTeardown(): Promise<void> {
  await teardownTestPostgres();
}
