/**
 * `npm run test:bench`: the benchmark harness's smoke test, on its own. It runs `npm run bench --
 * --quick` (minutes of load on every core), so it is not part of `npm test`, whose results must
 * not depend on how busy the machine is; CI runs it after the suite.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/bench'], maxWorkers: 1 };
