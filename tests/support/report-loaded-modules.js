// Preloaded (`node -r`) by tests/e2e/app/start-errors.test.ts: on exit, says on stderr which of the heavy
// modules the process had loaded, so a test can tell a configuration error was reported before them.
'use strict';
const HEAVY = ['express', '@apollo/server', '@mikro-orm/core', 'type-graphql', 'ioredis', 'pg'];
process.on('exit', () => {
  const loaded = HEAVY.filter((name) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`)));
  process.stderr.write(`LOADED ${JSON.stringify(loaded)}\n`);
});
