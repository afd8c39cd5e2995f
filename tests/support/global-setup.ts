import { setupTestPostgres } from './test-postgres';

/** Jest's globalSetup (jest.config.js): runs once, before any test file, in jest's own process. */
export default async function globalSetup(): Promise<void> {
  await setupTestPostgres();
}
