// Baselines, each in its own process, measured with the same load as the API:
//   node bench/baselines.mjs http          bare node:http answering a fixed user JSON
//   node bench/baselines.mjs pg <url>      minimal express route: select ... from users where id = $1 (pg Pool)
//   node bench/baselines.mjs argon2 <seconds> <concurrency>
//                                          argon2.verify in a tight loop with the API's parameters;
//                                          the thread pool size comes from UV_THREADPOOL_SIZE
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { latencySummary } from './lib.mjs';

const require = createRequire(import.meta.url);
const [mode, ...args] = process.argv.slice(2);

const FIXED_USER = {
  id: '6f1c0b2e-58a4-4f0e-9d55-0c8a6b1f2d3e',
  username: 'bench_42',
  email: 'bench_42@example.com',
  firstName: 'Alice',
  lastName: 'Johnson',
  phone: null,
  role: 'user',
  isActive: true,
  emailVerified: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastLoginAt: null,
};

function answerStats() {
  process.on('message', (message) => {
    if (message.type === 'stop') process.exit(0);
    process.send({ id: message.id, cpu: process.cpuUsage(), memory: process.memoryUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  answerStats();
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}`, pid: process.pid });
}

if (mode === 'http') {
  const body = JSON.stringify(FIXED_USER);
  await listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }),
  );
} else if (mode === 'pg') {
  const express = require('express');
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: args[0], max: Number(process.env.DB_POOL_MAX ?? 20) });
  const app = express();
  app.disable('x-powered-by');
  app.get('/users/:id', async (req, res, next) => {
    try {
      const { rows } = await pool.query(
        `select id, username, email, first_name as "firstName", last_name as "lastName", phone, role,
                is_active as "isActive", email_verified as "emailVerified", created_at as "createdAt",
                updated_at as "updatedAt", last_login_at as "lastLoginAt"
           from users where id = $1 and deleted_at is null`,
        [req.params.id],
      );
      if (rows.length === 0) res.status(404).json({ title: 'Not Found' });
      else res.json(rows[0]);
    } catch (error) {
      next(error);
    }
  });
  await listen(createServer(app));
} else if (mode === 'argon2') {
  const argon2 = require('argon2');
  const seconds = Number(args[0] ?? 10);
  const concurrency = Number(args[1] ?? 16);
  const params = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
  const password = 'Bench-passw0rd!';
  const hash = await argon2.hash(password, params);
  // One warm-up round, then count completed verifies in the measured window.
  await Promise.all(Array.from({ length: concurrency }, () => argon2.verify(hash, password)));
  let verified = 0;
  let failed = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const sent = process.hrtime.bigint();
        if (await argon2.verify(hash, password)) verified += 1;
        else failed += 1;
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  process.send({
    type: 'result',
    verified,
    failed,
    seconds: elapsed,
    perSecond: verified / elapsed,
    latency: latencySummary(latencies),
    concurrency,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    params: { memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism },
    cpu: process.cpuUsage(),
  });
  process.disconnect();
} else {
  process.stderr.write('usage: baselines.mjs http | pg <database-url> | argon2 <seconds> <concurrency>\n');
  process.exit(2);
}
