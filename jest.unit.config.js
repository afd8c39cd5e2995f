/**
 * `npm run test:unit`: every spec outside tests/e2e/, the ones that need no HTTP server, PostgreSQL
 * or Redis. Without the global setup (it finds or starts a PostgreSQL), so it runs, and must pass,
 * with both stopped. `npm test` runs these and tests/e2e/ together.
 * @type {import('jest').Config}
 */
const { globalSetup, globalTeardown, ...base } = require('./jest.config');

module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/e2e/'] };
