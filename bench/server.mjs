// The API under test, in its own process: the compiled server (dist/) started as in production,
// configured only by the environment the harness passes. It talks to the harness over IPC:
//   -> {type:'ready', url, pid}
//   <- {type:'stats'}          -> SQL statements sent, user-cache counters, CPU time, memory
//   <- {type:'profile-start'} / {type:'profile-stop', file}: V8 CPU profile (what --cpu-prof records)
//   <- {type:'stop'}           -> graceful close, exit 0
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/ by default; `npm run bench -- --dist DIR` measures another build (e.g. a branch to compare).
const dist = `${process.env.BENCH_DIST ?? new URL('../dist', import.meta.url).pathname}/`;

// SQL statements per request: count every query the pg driver sends (MikroORM -> knex -> pg.Client),
// BEGIN and COMMIT included. One increment per statement; nothing in src changes.
const pg = require('pg');
let statements = 0;
const sendQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  statements += 1;
  return sendQuery.apply(this, args);
};

require('reflect-metadata');
const { startServer } = require(`${dist}app/server.js`);
const { loadConfig } = require(`${dist}platform/config/config.js`);

const running = await startServer(loadConfig(process.env));
let profiler;

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

async function handle(message) {
  switch (message.type) {
    case 'stats': {
      const { localHits, hits, misses, errors } = running.services.userCache.stats;
      // Open client connections: the scan waits for the previous level's to be gone.
      const connections = await new Promise((resolve) => running.server.getConnections((error, count) => resolve(error ? null : count)));
      return { statements, connections, cache: { localHits, hits, misses, errors }, cpu: process.cpuUsage(), memory: process.memoryUsage() };
    }
    case 'profile-start': {
      profiler = new Session();
      profiler.connect();
      await post(profiler, 'Profiler.enable');
      await post(profiler, 'Profiler.setSamplingInterval', { interval: 500 });
      await post(profiler, 'Profiler.start');
      return {};
    }
    case 'profile-stop': {
      const { profile } = await post(profiler, 'Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      writeFileSync(message.file, JSON.stringify(profile));
      return { file: message.file };
    }
    case 'stop': {
      const outcome = await running.close();
      process.exit(outcome.drained ? 0 : 1);
    }
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}

process.on('message', (message) => {
  handle(message).then(
    (answer) => process.send?.({ id: message.id, ...answer }),
    (error) => process.send?.({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
// The harness going away must not leave a server behind.
process.on('disconnect', () => {
  running.close().finally(() => process.exit(0));
});
process.send({ type: 'ready', url: running.url, pid: process.pid });
