// A load generator in its own process, for the concurrency scan: thousands of sockets, their
// HTTP parsing (autocannon parses answers in JavaScript) and their timers then cost this process's
// event loop, not the harness's, and several of them can share a level's connections.
//
//   -> {type:'run', id, url, connections, duration, timeout, ramp, ids, tokens, zipfS, seed, slotOffset}
//   <- {id, ...load() result with raw latencies}
//   -> {type:'stop'}
// Requests: authenticated GET /v1/users/{id}, ids drawn with Zipf(zipfS) ranked exactly as the
// harness ranks them (same shuffle seed), admin tokens spread over the connections.
import { load, seededRandom, zipfPicker } from './lib.mjs';

async function run(job) {
  const pick = zipfPicker(job.ids, job.zipfS, seededRandom(1), seededRandom(job.seed));
  let slot = job.slotOffset ?? 0;
  const request = {
    setupRequest(req, context) {
      context.slot ??= slot++;
      context.kind = 'rest-get';
      return { ...req, method: 'GET', path: `/v1/users/${pick()}`, headers: { authorization: `Bearer ${job.tokens[context.slot % job.tokens.length]}` } };
    },
  };
  return load({ url: job.url, connections: job.connections, duration: job.duration, timeout: job.timeout, ramp: job.ramp, request, seed: job.seed, rawLatencies: true });
}

process.on('message', (message) => {
  if (message?.type === 'stop') process.exit(0);
  if (message?.type !== 'run') return;
  run(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', pid: process.pid });
