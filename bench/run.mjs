// npm run bench [-- --quick] [-- --only id,id] [-- --profile] [-- --out DIR]
//
// Benchmarks the compiled API (dist/, built by `npm run bench` first) on loopback only: the API and
// each baseline run in child processes, the load generator (autocannon) runs here. Every run is
// bounded in time. Results: <out>/bench-<mode>-<stamp>.{md,json,svg} and latest-<mode>.{md,json,svg}.
// See bench/README.md for what is measured and how.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Child, fileLimits, latencySummary, listenQueueCounters, load, machineCpu, procMemory, rssSampler, seededRandom, shuffled, sleep, zipfPicker } from './lib.mjs';
import { summarizeProfile } from './profile-summary.mjs';
import { renderMarkdown, renderSvg } from './report.mjs';
import { webhookScenario } from './webhooks.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const Redis = require('ioredis');

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const BENCH = join(ROOT, 'bench');
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Bench-passw0rd!';
const ZIPF_S = 1.1;

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const options = { quick: false, profile: false, only: null, out: join(BENCH, 'results'), users: null, database: null, dist: join(ROOT, 'dist') };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--only') options.only = new Set(value().split(','));
    else if (arg === '--out') options.out = resolve(value());
    else if (arg === '--users') options.users = Number(value());
    else if (arg === '--db') options.database = value();
    else if (arg === '--dist') options.dist = resolve(value());
    else if (arg === '--repeats') options.repeats = Number(value());
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(readFileSync(join(BENCH, 'README.md'), 'utf8'));
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see bench/README.md)`);
  }
  return options;
}

const options = parseOptions(process.argv.slice(2));
const mode = options.quick ? 'quick' : 'full';
const S = options.quick
  ? { users: 5_000, repeats: 1, readConnections: 20, warmup: 0, writeWarmup: 0, duration: 3, mixedDuration: 3, openLoopWarmup: 0, spareSessions: 4, argonSeconds: 3, scan: [100, 1000], scanDuration: 3, settleMs: 200 }
  : { users: 100_000, repeats: 3, readConnections: 50, warmup: 8, writeWarmup: 1, duration: 10, mixedDuration: 15, openLoopWarmup: 3, spareSessions: 20, argonSeconds: 10, scan: [100, 1000, 10000], scanDuration: 10, settleMs: 2000 };
// The search for the highest mixed open-loop rate that holds (rate within 5%, no errors, p99 < 50 ms):
// from `startFraction` of the closed-loop mixed throughput, up by `growth` while it holds, then
// bisection between the highest rate that held and the lowest that failed, until they are within
// `resolution`; at most `maxSteps` steps of `stepSeconds` and `budgetSeconds` in all.
S.search = options.quick
  ? { startFraction: 0.5, fallbackStart: 100, growth: 1.5, resolution: 0.1, maxSteps: 4, stepSeconds: 3, budgetSeconds: 45, minRate: 10, periodMs: 100, p99Ms: 50, holdRatio: 0.95 }
  : { startFraction: 0.5, fallbackStart: 100, growth: 1.4, resolution: 0.05, maxSteps: 9, stepSeconds: 10, budgetSeconds: 240, minRate: 10, periodMs: 100, p99Ms: 50, holdRatio: 0.95 };
// The concurrency scan's load generators: child processes (bench/loadgen.mjs), one per
// `connectionsPerWorker` connections (at most `maxWorkers`), together opening at most `perStep`
// connections every `stepMs`, fewer while connects are outstanding, all of them after
// `rampMaxSeconds` at the latest (see Ramp in lib.mjs); 10 s request timeout.
S.scanLoad = { connectionsPerWorker: 5000, maxWorkers: 2, perStep: 250, stepMs: 100, rampMaxSeconds: options.quick ? 8 : 30, settleSeconds: 1, timeoutSeconds: 10 };
if (options.users) S.users = options.users;
if (options.repeats) S.repeats = options.repeats;
const UNREACHABLE_LIMITS = Object.fromEntries(
  ['AUTH_PER_IP', 'SIGNUP_PER_IP', 'READ_PER_IP', 'WRITE_PER_IP', 'READ_PER_USER', 'WRITE_PER_USER'].map((name) => [`RATE_LIMIT_${name}`, '1000000000/60']),
);
S.argonConnections = 16; // login, sign-up and the argon2 baseline: enough to keep every core busy
S.cores = os.availableParallelism?.() ?? os.cpus().length;
S.dbPoolMax = 20;
const runTag = Date.now().toString(36).slice(-6);
// A full run owns uma_bench (dropped and recreated each run, kept afterwards for inspection). A quick
// run (the smoke test, possibly inside a parallel jest run) gets its own database, dropped at the end.
const DATABASE = options.database ?? (options.quick ? `uma_bench_quick_${runTag}` : 'uma_bench');
const dropDatabaseAtEnd = options.quick && !options.database;
const enabled = (id) => !options.only || options.only.has(id);

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const logDir = join(options.out, `logs-${mode}`);
const profileDir = join(options.out, `profiles-${mode}`);
mkdirSync(logDir, { recursive: true });
if (options.profile) mkdirSync(profileDir, { recursive: true });

const log = (message) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Test data: deterministic names so searches find a realistic share of rows

const FIRST_NAMES = 'Alice Bob Carol David Emma Frank Grace Henry Isabel Jack Karen Liam Maria Noah Olivia Peter Quinn Rosa Samuel Tara Umar Vera William Xenia Yusuf Zoe Aaron Bianca Carlos Diana Elena Felix Gloria Hugo Irene Jonas Kira Leon Mila Nora'.split(' ');
const LAST_NAMES = ('Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin ' +
  'Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall ' +
  'Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz ' +
  'Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo ' +
  'Sanders Patel Myers Long Ross Foster Jimenez').split(' ');
const SEARCH_TERMS = [...new Set(LAST_NAMES.map((name) => name.slice(0, 4).toLowerCase()))];
const ADMINS = 4;

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl() {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

/**
 * The table as the migrations made it, filled by two INSERT ... SELECT generate_series statements.
 * The secondary indexes are dropped for the load and recreated from their own definitions
 * (pg_indexes), which is much faster than maintaining them row by row (the GIN trigram indexes
 * have fastupdate off); the schema afterwards is exactly the migrated one.
 */
async function seed(passwordHash) {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const started = Date.now();
    const { rows: indexes } = await client.query(
      `select i.indexname, i.indexdef from pg_indexes i
        where i.schemaname = 'public' and i.tablename = 'users'
          and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    );
    for (const { indexname } of indexes) await client.query(`drop index "${indexname}"`);
    await client.query(
      `insert into users (id, username, email, password_hash, first_name, last_name, role, is_active, email_verified, created_at, updated_at)
       select md5('bench-user-' || i)::uuid, 'bench_' || i, 'bench_' || i || '@example.com', $1,
              ($2::text[])[1 + i % cardinality($2::text[])],
              ($3::text[])[1 + (i / cardinality($2::text[])) % cardinality($3::text[])],
              'user', true, i % 3 = 0, now() - make_interval(secs => i * 60), now() - make_interval(secs => i * 60)
         from generate_series(1, $4::int) as i`,
      [passwordHash, FIRST_NAMES, LAST_NAMES, S.users],
    );
    await client.query(
      `insert into users (id, username, email, password_hash, first_name, last_name, role, is_active, email_verified, created_at, updated_at)
       select md5('bench-admin-' || i)::uuid, 'bench_admin' || i, 'bench_admin' || i || '@example.com', $1,
              'Admin', 'Number' || i, 'admin', true, true, now(), now()
         from generate_series(1, $2::int) as i`,
      [passwordHash, ADMINS],
    );
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('vacuum analyze users');
    const { rows } = await client.query(`select id from users where role = 'user' order by id`);
    return { ids: rows.map((row) => row.id), seconds: (Date.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(prefix) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

async function machineInfo() {
  const cpus = os.cpus();
  const version = async (sql) => (await adminQuery(sql)).rows[0];
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (+ uncommitted changes in src)';
  } catch {
    // not a git checkout
  }
  const limits = fileLimits();
  const sysctl = (name) => {
    try {
      return Number(readFileSync(`/proc/sys/${name}`, 'utf8'));
    } catch {
      return null; // not Linux
    }
  };
  const somaxconn = sysctl('net/core/somaxconn');
  const tcpMaxSynBacklog = sysctl('net/ipv4/tcp_max_syn_backlog');
  return {
    cores: S.cores,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    postgres: (await version('show server_version')).server_version,
    redis: redisVersion,
    autocannon: require('autocannon/package.json').version,
    commit,
    openFilesSoft: limits.soft,
    openFilesHard: limits.hard,
    somaxconn,
    tcpMaxSynBacklog,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

let api; // the API child
let apiUrl;
let adminTokens = [];
let pickReadId;
let seedIds = [];
let pickAnyId;
let pickLoginName;
let pickTerm;
let slotCounter = 0;
let createCounter = 0;
const random = seededRandom(20261125);

async function post(path, body, token) {
  const response = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** `count` sessions of ordinary users, logged in through the API (a few at a time). */
async function loginMany(count) {
  const tokens = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, count) }, async () => {
      while (next < count) {
        next += 1;
        tokens.push(await post('/v1/auth/login', { username: pickLoginName(), password: PASSWORD }));
      }
    }),
  );
  return tokens;
}

const USER_FIELDS = 'id username email firstName lastName phone role isActive emailVerified createdAt updatedAt lastLoginAt';
const GQL_USER = `query UserById($id: UUID!) { user(id: $id) { ${USER_FIELDS} } }`;
const GQL_SEARCH = 'query SearchUsers($q: String!) { users(first: 20, filter: { q: $q }) { totalCount pageInfo { hasNextPage endCursor } edges { node { id username email firstName lastName role isActive } } } }';

function adminToken(context) {
  return adminTokens[context.slot % adminTokens.length];
}

function graphql(context, operationName, query, variables) {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(context)}` },
    body: JSON.stringify({ operationName, query, variables }),
  };
}

/** One kind of request: what to send, and what to do with the answer. */
const KINDS = {
  'rest-get': (context) => ({ method: 'GET', path: `/v1/users/${pickReadId()}`, headers: { authorization: `Bearer ${adminToken(context)}` } }),
  'gql-user': (context) => graphql(context, 'UserById', GQL_USER, { id: pickReadId() }),
  'gql-search': (context) => graphql(context, 'SearchUsers', GQL_SEARCH, { q: pickTerm() }),
  'rest-search': (context) => ({ method: 'GET', path: `/v1/users?q=${encodeURIComponent(pickTerm())}&limit=20`, headers: { authorization: `Bearer ${adminToken(context)}` } }),
  'rest-patch': (context) => ({
    method: 'PATCH',
    path: `/v1/users/${pickAnyId()}`,
    headers: { 'content-type': 'application/merge-patch+json', authorization: `Bearer ${adminToken(context)}` },
    body: JSON.stringify({ firstName: FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)], phone: `+1415555${String(Math.floor(random() * 10000)).padStart(4, '0')}` }),
  }),
  'rest-create': () => {
    createCounter += 1;
    const name = `bc${runTag}_${createCounter}`;
    return {
      method: 'POST',
      path: '/v1/users',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password: PASSWORD, firstName: 'Bench', lastName: `Created${createCounter}` }),
    };
  },
  login: () => ({ method: 'POST', path: '/v1/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: pickLoginName(), password: PASSWORD }) }),
  refresh: (context) => ({ method: 'POST', path: '/v1/auth/refresh', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: context.refreshToken }) }),
};

/**
 * The autocannon request of a scenario: `choose(context)` names the kind of each request.
 * Refresh tokens are chained per connection: each connection starts with its own session from
 * `sessions` and sends the refresh token it got from its previous refresh (each works once). If a
 * chain breaks (a non-200 answer), the connection takes a spare session, or reads instead.
 */
function scenarioRequest(choose, sessions = []) {
  const pool = [...sessions];
  const contexts = new Set();
  return {
    setupRequest(req, context) {
      context.slot ??= slotCounter++;
      contexts.add(context);
      context.inFlight = true;
      let kind = choose(context);
      if (kind === 'refresh' && !context.refreshToken) {
        context.refreshToken = pool.pop()?.refreshToken ?? null;
        if (!context.refreshToken) kind = 'rest-get';
      }
      context.kind = kind;
      return { ...req, ...KINDS[kind](context) };
    },
    onResponse(status, body, context) {
      context.inFlight = false;
      context.appError = false;
      if (context.kind === 'refresh') context.refreshToken = status === 200 ? JSON.parse(body).refreshToken : null;
      else if (context.kind.startsWith('gql-')) context.appError = body.includes('"errors"');
    },
    /**
     * After the run: the sessions still usable, for the next run (the open-loop search's steps).
     * A chain whose last request was still in flight when the run stopped is left out: the server
     * may have rotated its token already, and sending the old one again is a reuse.
     */
    leftoverSessions() {
      const chained = [...contexts].filter((context) => !context.inFlight && context.refreshToken).map((context) => ({ refreshToken: context.refreshToken }));
      return [...pool, ...chained];
    },
  };
}

const only = (kind) => () => kind;

/** The mixed workload: 80% reads, 15% writes, 5% auth. */
const MIX = [
  ['rest-get', 58],
  ['gql-user', 20],
  ['rest-search', 1],
  ['gql-search', 1],
  ['rest-patch', 14],
  ['rest-create', 1],
  ['refresh', 4],
  ['login', 1],
];
function mixed() {
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  return () => {
    let roll = random() * total;
    for (const [kind, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return MIX[0][0];
  };
}

/** Sends one request of the kind outside the load, so a broken scenario fails loudly and early. */
async function probe(kind) {
  const context = { slot: 0 };
  if (kind === 'refresh') return;
  const spec = KINDS[kind](context);
  const response = await fetch(`${apiUrl}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body });
  const text = await response.text();
  if (!response.ok || (kind.startsWith('gql-') && text.includes('"errors"'))) throw new Error(`probe ${kind}: ${response.status} ${text.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

const results = [];
const profiles = [];

async function apiStats() {
  return api.ask('stats');
}

/**
 * Waits until the API has finished what an overloaded run left queued (requests whose clients
 * already gave up still run; cached reads send no SQL, so SQL alone does not tell): for half a
 * second under `idleCores` of CPU and under `maxStatementsPerSecond` SQL statements (the
 * background jobs - job queue polling, outbox relay, webhook deliveries of the writes - keep
 * sending a few), with at most `maxConnections` client connections still open; or `maxMs`.
 * Returns how long it waited and whether it got there.
 */
async function quiesce(maxMs = 15_000, { idleCores = 0.3, maxStatementsPerSecond = 40, maxConnections = Infinity } = {}) {
  const started = Date.now();
  const deadline = started + maxMs;
  let last = null;
  while (Date.now() < deadline && api.running) {
    const stats = await apiStats().catch(() => null);
    if (!stats) break;
    const at = Date.now();
    if (last) {
      const cores = (stats.cpu.user + stats.cpu.system - last.cpu.user - last.cpu.system) / 1e6 / Math.max(0.001, (at - last.at) / 1000);
      const statementsPerSecond = (stats.statements - last.statements) / Math.max(0.001, (at - last.at) / 1000);
      if (statementsPerSecond < maxStatementsPerSecond && cores < idleCores && (stats.connections ?? 0) <= maxConnections) return { waitedMs: at - started, quiet: true };
    }
    last = { ...stats, at };
    await sleep(500);
  }
  return { waitedMs: Date.now() - started, quiet: false };
}

function cacheDelta(before, after) {
  const d = (field) => after.cache[field] - before.cache[field];
  const lookups = d('localHits') + d('hits') + d('misses');
  return { lookups, localHits: d('localHits'), redisHits: d('hits'), misses: d('misses'), errors: d('errors'), hitRate: lookups ? (d('localHits') + d('hits')) / lookups : null };
}

function record(entry, measured, extra = {}, keep = true) {
  const result = {
    ...entry,
    durationSeconds: measured.seconds,
    responses: measured.responses,
    ok: measured.ok,
    rps: measured.rps,
    latencyMs: measured.latency,
    errors: measured.errors,
    timeouts: measured.timeouts,
    non2xx: measured.non2xx,
    appErrors: Object.values(measured.byKind).reduce((sum, kind) => sum + kind.appErrors, 0),
    statusCodes: measured.statusCodes,
    ...extra,
  };
  if (Object.keys(measured.byKind).length > 1) result.byKind = measured.byKind;
  if (keep) results.push(result);
  const l = result.latencyMs;
  log(`${entry.id}${result.rate ? ` @ ${result.rate}/s (achieved ${result.achievedRate})` : ''}: ${result.rps} req/s, p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms, errors ${result.errors}, non-2xx ${result.non2xx}${result.appErrors ? `, GraphQL errors ${result.appErrors}` : ''}`);
  return result;
}

/**
 * One API scenario: optional warm-up (discarded), then the measured run with the server's counters.
 * `sessionPool` (instead of `sessions`, a count to log in): refresh sessions to use, replaced
 * afterwards by those still usable. `keep: false`: measured and returned, not reported as a row.
 */
async function apiScenario(entry, { kinds, choose, connections, duration, warmup = 0, rate, sessions: sessionCount = 0, sessionPool = null }, { keep = true } = {}) {
  const quiet = await quiesce();
  if (!quiet.quiet || quiet.waitedMs > 3000) log(`${entry.id}: waited ${(quiet.waitedMs / 1000).toFixed(1)} s for the API to be idle${quiet.quiet ? '' : ' (gave up)'}`);
  for (const kind of kinds) await probe(kind);
  if (warmup > 0) await load({ url: apiUrl, connections, duration: warmup, rate, request: scenarioRequest(choose), seed: 7 });
  const sessions = sessionPool ? [...sessionPool] : sessionCount > 0 ? await loginMany(sessionCount) : [];
  await sleep(S.settleMs);
  const before = await apiStats();
  const peakRss = rssSampler(api.pid);
  if (options.profile) await api.ask('profile-start');
  const cpu = machineCpu(new Map([[api.pid, 'server'], [process.pid, 'loadgen']]), DATABASE);
  const startedAt = Date.now();
  const request = scenarioRequest(choose, sessions);
  const measured = await load({ url: apiUrl, connections, duration, rate, request, seed: 11 });
  if (sessionPool) sessionPool.splice(0, sessionPool.length, ...request.leftoverSessions());
  const wallSeconds = (Date.now() - startedAt) / 1000;
  const machineCpuCores = cpu();
  let profile;
  if (options.profile) {
    const file = join(profileDir, `${entry.id}.cpuprofile`);
    await api.ask('profile-stop', { file });
    profile = { id: entry.id, file, ...summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))) };
    profiles.push(profile);
  }
  const peakRssKiB = peakRss();
  const after = await apiStats();
  const cpuMicros = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  return record(
    { target: 'api', connections, ...(rate ? { rate } : {}), ...entry },
    measured,
    {
      cache: cacheDelta(before, after),
      cacheHitRate: cacheDelta(before, after).hitRate,
      sqlPerRequest: measured.responses ? Math.round(((after.statements - before.statements) / measured.responses) * 100) / 100 : null,
      apiCpuCores: Math.round((cpuMicros / 1e6 / wallSeconds) * 100) / 100,
      machineCpuCores,
      peakRssMiB: Math.round(peakRssKiB / 1024),
      ...(rate ? { achievedRate: Math.round((measured.responses / measured.seconds) * 10) / 10 } : {}),
    },
    keep,
  );
}

/** An HTTP baseline in its own process, under the same load as the authenticated read. */
async function httpBaseline(entry, args, pathFor) {
  const child = new Child(entry.id, join(BENCH, 'baselines.mjs'), { args, env: { UV_THREADPOOL_SIZE: String(S.cores), DB_POOL_MAX: String(S.dbPoolMax) }, logFile: join(logDir, `${entry.id}.log`) });
  try {
    const { url } = await child.ready();
    const request = { setupRequest: (req, context) => ((context.kind = 'read'), { ...req, method: 'GET', path: pathFor() }) };
    await load({ url, connections: S.readConnections, duration: S.warmup, request, seed: 7 });
    await sleep(S.settleMs);
    const before = await child.ask('stats');
    const peakRss = rssSampler(child.pid);
    const cpu = machineCpu(new Map([[child.pid, 'server'], [process.pid, 'loadgen']]), DATABASE);
    const startedAt = Date.now();
    const measured = await load({ url, connections: S.readConnections, duration: S.duration, request, seed: 11 });
    const wallSeconds = (Date.now() - startedAt) / 1000;
    const machineCpuCores = cpu();
    const after = await child.ask('stats');
    const cpuMicros = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
    return record({ target: 'baseline', connections: S.readConnections, ...entry }, measured, {
      cacheHitRate: null,
      sqlPerRequest: entry.id === 'baseline-pg' ? 1 : 0,
      apiCpuCores: Math.round((cpuMicros / 1e6 / wallSeconds) * 100) / 100,
      machineCpuCores,
      peakRssMiB: Math.round(peakRss() / 1024),
    });
  } finally {
    await child.stop();
  }
}

async function argon2Baseline(entry) {
  const child = new Child(entry.id, join(BENCH, 'baselines.mjs'), {
    args: ['argon2', String(S.argonSeconds), String(S.argonConnections)],
    env: { UV_THREADPOOL_SIZE: String(S.cores) },
    logFile: join(logDir, `${entry.id}.log`),
  });
  const peakRss = rssSampler(child.pid);
  const cpu = machineCpu(new Map([[child.pid, 'server'], [process.pid, 'loadgen']]), DATABASE);
  const result = await new Promise((resolveResult, reject) => {
    child.process.on('message', (message) => message.type === 'result' && resolveResult(message));
    child.exited.then(({ code }) => reject(new Error(`argon2 baseline exited (code ${code}) without a result`)));
  });
  const machineCpuCores = cpu();
  await child.stop();
  const rps = Math.round(result.perSecond * 10) / 10;
  const entryResult = {
    target: 'baseline',
    connections: result.concurrency,
    ...entry,
    durationSeconds: result.seconds,
    responses: result.verified + result.failed,
    ok: result.verified,
    rps,
    latencyMs: result.latency,
    errors: result.failed,
    timeouts: 0,
    non2xx: 0,
    appErrors: 0,
    statusCodes: {},
    cacheHitRate: null,
    sqlPerRequest: 0,
    apiCpuCores: Math.round(((result.cpu.user + result.cpu.system) / 1e6 / result.seconds) * 100) / 100,
    machineCpuCores,
    peakRssMiB: Math.round(peakRss() / 1024),
    argon2: { params: result.params, threadpool: result.threadpool },
  };
  results.push(entryResult);
  log(`${entry.id}: ${rps} verifies/s (concurrency ${result.concurrency}, UV_THREADPOOL_SIZE ${result.threadpool})`);
  return entryResult;
}

// ---------------------------------------------------------------------------------------------
// Mixed open loop: the highest rate that holds

const roundRate = (rate) => (rate < 100 ? Math.max(S.search.minRate, Math.round(rate / 5) * 5) : Math.round(rate / 10) * 10);

/**
 * The mixed workload in open loop at rising rates: a step holds when the achieved rate is within
 * 5% of the target, there are no errors (transport, timeouts), no non-2xx answers and no GraphQL
 * errors, and p99 < 50 ms. Starts at half the closed-loop `mixed` throughput, multiplies the rate
 * by `growth` while steps hold, halves it while they fail (none held yet), and bisects between the
 * highest rate that held and the lowest that failed once there are both; stops when they are
 * within `resolution` of each other, after `maxSteps`, or when the next step would overrun
 * `budgetSeconds`. Each connection sends one request every `periodMs` (connections = rate x period).
 * Refresh sessions are carried over from step to step (topped up by logins as connections grow).
 */
async function openLoopSearch(entry) {
  const search = S.search;
  const closed = results.find((r) => r.id === 'mixed')?.rps ?? null;
  const startRate = roundRate(Math.max(search.minRate, closed ? closed * search.startFraction : search.fallbackStart));
  const connectionsFor = (rate) => Math.max(10, Math.ceil((rate * search.periodMs) / 1000));
  const began = Date.now();
  const steps = [];
  const pool = [];
  let held = null; // highest rate that held (its result)
  let failed = null; // lowest rate that failed
  let stopReason = `${search.maxSteps} steps`;
  if (S.openLoopWarmup > 0) await load({ url: apiUrl, connections: connectionsFor(startRate), duration: S.openLoopWarmup, rate: startRate, request: scenarioRequest(only('rest-get')), seed: 7 });
  let rate = startRate;
  while (steps.length < search.maxSteps) {
    const spentSeconds = (Date.now() - began) / 1000;
    if (steps.length > 0 && spentSeconds + search.stepSeconds + 5 > search.budgetSeconds) {
      stopReason = `time budget (${search.budgetSeconds} s)`;
      break;
    }
    const connections = connectionsFor(rate);
    const needed = connections + S.spareSessions;
    if (pool.length < needed) pool.push(...(await loginMany(needed - pool.length)));
    const result = await apiScenario(entry, { kinds: [], choose: mixed(), connections, duration: search.stepSeconds, rate, sessionPool: pool }, { keep: false });
    const reasons = [];
    if (result.achievedRate < search.holdRatio * rate) reasons.push(`achieved ${result.achievedRate}/s < ${Math.round(search.holdRatio * 100)}% of ${rate}/s`);
    if (result.errors > 0) reasons.push(`${result.errors} errors (${result.timeouts} timeouts)`);
    if (result.non2xx + result.appErrors > 0) reasons.push(`${result.non2xx} non-2xx, ${result.appErrors} GraphQL errors`);
    if (!(result.latencyMs.p99 < search.p99Ms)) reasons.push(`p99 ${result.latencyMs.p99} ms >= ${search.p99Ms} ms`);
    const holds = reasons.length === 0;
    steps.push({ rate, connections, achievedRate: result.achievedRate, latencyMs: result.latencyMs, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, appErrors: result.appErrors, apiCpuCores: result.apiCpuCores, machineCpuCores: result.machineCpuCores, holds, reasons, result });
    log(`mixed-open step ${steps.length}: ${rate}/s ${holds ? 'held' : `failed (${reasons.join('; ')})`}`);
    if (holds && (!held || rate > held.rate)) held = { rate, result };
    if (!holds && (failed === null || rate < failed)) failed = rate;
    let next;
    if (failed === null) next = roundRate(rate * search.growth);
    else if (!held) {
      if (rate <= search.minRate) {
        stopReason = `failed even at the lowest rate (${search.minRate}/s)`;
        break;
      }
      next = roundRate(Math.max(search.minRate, rate / 2));
    } else {
      if ((failed - held.rate) / held.rate <= search.resolution) {
        stopReason = `bracketed within ${Math.round(search.resolution * 100)}% (${held.rate}/s held, ${failed}/s failed)`;
        break;
      }
      next = roundRate((held.rate + failed) / 2);
    }
    if (steps.some((step) => step.rate === next)) {
      stopReason = `rate resolution reached (${held?.rate ?? '–'}/s held, ${failed}/s failed)`;
      break;
    }
    rate = next;
  }
  // The row in the results table: the highest rate that held, or the lowest tried if none did.
  const shown = held?.result ?? [...steps].sort((a, b) => a.rate - b.rate)[0].result;
  results.push({ ...shown, sustained: Boolean(held) });
  const summary = {
    startRate,
    closedLoopRps: closed,
    criteria: { holdRatio: search.holdRatio, p99Ms: search.p99Ms, errors: 0, non2xx: 0 },
    settings: { ...search },
    steps: steps.map(({ result, ...step }) => step),
    highestSustainedRate: held?.rate ?? null,
    p99AtHighestRate: held?.result.latencyMs.p99 ?? null,
    lowestFailedRate: failed,
    stoppedBecause: stopReason,
    seconds: Math.round((Date.now() - began) / 100) / 10,
  };
  log(`mixed-open: highest sustained rate ${summary.highestSustainedRate ?? 'none'}/s${held ? ` (p99 ${summary.p99AtHighestRate} ms)` : ''}, lowest failed ${failed ?? '–'}/s; stopped: ${stopReason}`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Concurrency scan

const sum2 = (parts, field) => parts.reduce((total, part) => total + part.connects[field], 0);

/** Adds up the load generators' results of one level; percentiles from all their latencies. */
function mergeLoads(parts) {
  const sum = (field) => parts.reduce((total, part) => total + (part[field] ?? 0), 0);
  const latencies = parts.flatMap((part) => part.latencies);
  const seconds = Math.max(...parts.map((part) => part.seconds));
  const statusCodes = {};
  for (const part of parts) for (const [code, count] of Object.entries(part.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    seconds,
    responses: latencies.length,
    ok: sum('ok'),
    rps: Math.round((sum('ok') / seconds) * 10) / 10,
    latency: latencySummary(latencies),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
    statusCodes,
    connectionErrors: sum('connectionErrors'),
    timeoutsBeforeFirstAnswer: sum('timeoutsBeforeFirstAnswer'),
    errorsDuringRamp: sum('errorsDuringRamp'),
    timeoutsDuringRamp: sum('timeoutsDuringRamp'),
    lateTimers: sum('lateTimers'),
    loadgenLoopDelayMs: { p99: Math.max(...parts.map((part) => part.loadgenLoopDelayMs.p99)), max: Math.max(...parts.map((part) => part.loadgenLoopDelayMs.max)) },
    connects: (() => {
      const times = parts.flatMap((part) => part.connectTimes);
      return { count: times.length, ...latencySummary(times), over900ms: sum2(parts, 'over900ms'), neverConnected: sum2(parts, 'neverConnected'), closedByServer: sum2(parts, 'closedByServer') };
    })(),
    // The slowest load generator's ramp.
    ramp: parts.map((part) => part.ramp).sort((a, b) => (b.rampSeconds ?? Infinity) - (a.rampSeconds ?? Infinity))[0],
  };
}

/**
 * Authenticated reads at each connection count of S.scan, every level run whatever the one before
 * it gave (only a dead API process skips the rest). Each level: wait until the API is idle and the
 * previous level's connections are gone, start the load generators (child processes), open the
 * connections gradually, measure `scanDuration` seconds once all are open.
 */
async function concurrencyScan() {
  const levels = [];
  const L = S.scanLoad;
  for (const connections of S.scan) {
    if (!api.running) {
      levels.push({ connections, skipped: true, reason: 'the API process had exited' });
      continue;
    }
    const quiet = await quiesce(30_000, { maxConnections: 20 });
    await sleep(S.settleMs);
    const workers = Math.min(L.maxWorkers, Math.ceil(connections / L.connectionsPerWorker));
    const shares = Array.from({ length: workers }, (_, i) => Math.floor(connections / workers) + (i < connections % workers ? 1 : 0));
    const generators = shares.map((_, i) => new Child(`loadgen-${connections}-${i}`, join(BENCH, 'loadgen.mjs'), { logFile: join(logDir, 'loadgen.log'), fileLimit: connections + 1000 }));
    try {
      await Promise.all(generators.map((generator) => generator.ready()));
      const before = await apiStats();
      const peakRss = rssSampler(api.pid);
      const owners = new Map([[api.pid, 'server'], [process.pid, 'harness'], ...generators.map((generator) => [generator.pid, 'loadgen'])]);
      const cpu = machineCpu(owners, DATABASE);
      const queueBefore = listenQueueCounters();
      const startedAt = Date.now();
      const ramp = { perStep: Math.max(1, Math.round(L.perStep / workers)), stepMs: L.stepMs, maxSeconds: L.rampMaxSeconds, settleSeconds: L.settleSeconds };
      const rampSeconds = L.rampMaxSeconds + L.settleSeconds;
      const parts = await Promise.all(
        generators.map((generator, i) =>
          generator.ask(
            'run',
            { url: apiUrl, connections: shares[i], duration: S.scanDuration, timeout: L.timeoutSeconds, ramp, ids: seedIds, tokens: adminTokens, zipfS: ZIPF_S, seed: 13 + i, slotOffset: i },
            (S.scanDuration + rampSeconds + L.timeoutSeconds + 60) * 1000,
          ),
        ),
      );
      const wallSeconds = (Date.now() - startedAt) / 1000;
      const queueAfter = listenQueueCounters();
      const machineCpuCores = cpu();
      const peakRssKiB = peakRss();
      const after = api.running ? await apiStats().catch(() => null) : null;
      const measured = mergeLoads(parts);
      const level = {
        connections,
        loadGenerators: workers,
        rps: measured.rps,
        latencyMs: measured.latency,
        // Little's law for a closed loop: every connection always has one request outstanding.
        queueingMeanMs: measured.rps ? Math.round((connections / measured.rps) * 1000) : null,
        errors: measured.errors,
        timeouts: measured.timeouts,
        timeoutsBeforeFirstAnswer: measured.timeoutsBeforeFirstAnswer,
        errorsDuringRamp: measured.errorsDuringRamp,
        connectionErrors: measured.connectionErrors,
        non2xx: measured.non2xx,
        responses: measured.responses,
        statusCodes: measured.statusCodes,
        cacheHitRate: after ? cacheDelta(before, after).hitRate : null,
        // The API's own CPU time over the level (ramp included), in cores.
        apiCpuCores: after ? Math.round(((after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / wallSeconds) * 100) / 100 : null,
        machineCpuCores,
        // Connection attempts the kernel dropped because a listen queue was full (machine-wide counters).
        listenOverflows: queueAfter.listenOverflows - queueBefore.listenOverflows,
        listenDrops: queueAfter.listenDrops - queueBefore.listenDrops,
        loadgenLoopDelayMs: measured.loadgenLoopDelayMs,
        // TCP connects of the load generators: time to connect, slow ones (a dropped SYN sent again), never connected.
        connects: measured.connects,
        lateTimers: measured.lateTimers,
        ramp: measured.ramp,
        quiesce: quiet,
        peakRssMiB: Math.round(peakRssKiB / 1024),
      };
      levels.push(level);
      log(
        `scan ${connections} connections (${workers} load generator${workers > 1 ? 's' : ''}): ${level.rps} req/s, p50 ${level.latencyMs.p50} p99 ${level.latencyMs.p99} max ${level.latencyMs.max} ms, ` +
          `errors ${level.errors} (timeouts ${level.timeouts}, ${level.timeoutsBeforeFirstAnswer} before a first answer, ${level.errorsDuringRamp} during the ramp), non-2xx ${level.non2xx}, ` +
          `ramp ${level.ramp?.rampSeconds} s${level.ramp?.capped ? ' (capped)' : ''}, listen-queue overflows ${level.listenOverflows}, connects > 900 ms ${level.connects.over900ms} (never ${level.connects.neverConnected}, max ${level.connects.max} ms, closed by the server ${level.connects.closedByServer}), server CPU ${level.apiCpuCores}, load-gen loop delay max ${level.loadgenLoopDelayMs.max} ms`,
      );
    } catch (error) {
      levels.push({ connections, skipped: true, reason: `load generator failed: ${error.message.split('\n')[0]}` });
      log(`scan ${connections} connections: ${error.message}`);
    } finally {
      await Promise.all(generators.map((generator) => generator.stop()));
    }
  }
  const withErrors = levels.filter((level) => !level.skipped && level.errors + level.non2xx > 0).map((level) => level.connections);
  return { levels, levelsWithErrors: withErrors, settings: { ...L, duration: S.scanDuration } };
}

// ---------------------------------------------------------------------------------------------
// Reporting

function ratio(a, b) {
  return a && b ? Math.round((a / b) * 1000) / 1000 : null;
}

function computeRatios(reported, byId) {
  const http = byId['baseline-http']?.rps;
  const pgRoute = byId['baseline-pg']?.rps;
  return reported
    .filter((r) => r.target === 'api')
    .map((r) => ({ id: r.id, rps: r.rps, vsBareHttp: ratio(r.rps, http), vsExpressPg: ratio(r.rps, pgRoute) }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The ratio of scenario `a` to scenario `b`, run by run: the pairs ran interleaved (a's i-th run
 * next to b's i-th run), so run i of a is divided by run i of b. Median, each repeat, min-max.
 */
function pairedRatio(idA, idB) {
  const runsA = results.filter((r) => r.id === idA);
  const runsB = results.filter((r) => r.id === idB);
  const n = Math.min(runsA.length, runsB.length);
  if (n === 0) return null;
  const repeats = Array.from({ length: n }, (_, i) => ({ a: runsA[i].rps, b: runsB[i].rps, ratio: ratio(runsA[i].rps, runsB[i].rps) ?? 0 }));
  const ratios = repeats.map((r) => r.ratio);
  return { value: Math.round(median(ratios) * 1000) / 1000, repeats, spread: { min: Math.min(...ratios), max: Math.max(...ratios) } };
}

/**
 * The issue's five goals (issue 17), each with its measured value, spread over the repeats where
 * there are repeats, threshold and whether it is met.
 */
function computeTargets(byId, openLoop, scan) {
  const list = [];
  const ratioTarget = (id, goal, description, a, b, threshold, everyRepeat) => {
    const paired = pairedRatio(a, b);
    if (!paired) return;
    const met = everyRepeat ? paired.repeats.every((r) => r.ratio >= threshold) : paired.value >= threshold;
    list.push({ id, goal, description, unit: 'ratio', value: paired.value, repeats: paired.repeats, spread: paired.spread, threshold, comparator: '>=', rule: everyRepeat ? `every repeat >= ${threshold}` : `median >= ${threshold}`, met });
  };
  ratioTarget('cached-read-vs-pg', 1, 'cached authenticated GET /v1/users/{id} req/s >= 1.0 x the express + pg route (baseline-pg)', 'rest-get-user', 'baseline-pg', 1.0, false);
  ratioTarget('graphql-vs-rest', 2, 'GraphQL user(id) req/s >= 0.9 x the REST read, stable: in every repeat', 'graphql-user', 'rest-get-user', 0.9, true);
  ratioTarget('login-vs-argon2', 3, 'POST /v1/auth/login req/s >= 0.9 x raw argon2.verify (baseline-argon2, same parameters, all cores)', 'auth-login', 'baseline-argon2', 0.9, false);
  for (const level of scan?.levels ?? []) {
    if (![1000, 10000].includes(level.connections)) continue;
    const base = { id: `scan-${level.connections}`, goal: 4, description: `0 errors at ${level.connections.toLocaleString('en-US')} concurrent connections (authenticated read, closed loop; p99 reported)`, unit: 'errors', threshold: 0, comparator: '=', rule: 'errors + timeouts + non-2xx = 0' };
    if (level.skipped) list.push({ ...base, value: null, met: false, detail: `not measured: ${level.reason}` });
    else list.push({ ...base, value: level.errors + level.non2xx, met: level.errors + level.non2xx === 0, p99Ms: level.latencyMs.p99, detail: `p99 ${level.latencyMs.p99} ms, ${level.rps} req/s, ${level.timeouts} timeouts, ${level.non2xx} non-2xx` });
  }
  if (openLoop) {
    const rate = openLoop.highestSustainedRate;
    list.push({
      id: 'mixed-open-rate',
      goal: 5,
      description: `highest mixed open-loop rate with p99 < ${openLoop.criteria.p99Ms} ms (rate held within 5%, 0 errors, 0 non-2xx)`,
      unit: 'req/s',
      value: rate ?? 0,
      p99Ms: openLoop.p99AtHighestRate,
      threshold: openLoop.criteria.p99Ms,
      comparator: 'p99 <',
      rule: 'a rate found at which every criterion holds',
      met: rate !== null,
      detail: rate !== null ? `p99 ${openLoop.p99AtHighestRate} ms at ${rate} req/s; ${openLoop.lowestFailedRate ?? 'no'} req/s failed; ${openLoop.steps.length} steps, stopped: ${openLoop.stoppedBecause}` : `no rate held (${openLoop.steps.length} steps down to ${Math.min(...openLoop.steps.map((step) => step.rate))} req/s)`,
    });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// The run

const SCENARIOS = [
  { id: 'rest-get-user', title: 'GET /v1/users/{id} (authenticated, Zipf ids)', group: 'read' },
  { id: 'graphql-user', title: 'GraphQL user(id) (Zipf ids)', group: 'read' },
  { id: 'graphql-users-search', title: 'GraphQL users(first: 20, filter: {q})', group: 'read' },
  { id: 'rest-list-search', title: 'GET /v1/users?q=&limit=20', group: 'read' },
  { id: 'rest-patch-user', title: 'PATCH /v1/users/{id}', group: 'write' },
  { id: 'rest-create-user', title: 'POST /v1/users (sign-up, unique bodies)', group: 'write' },
  { id: 'auth-login', title: 'POST /v1/auth/login', group: 'auth' },
  { id: 'auth-refresh', title: 'POST /v1/auth/refresh (rotation chained per connection)', group: 'auth' },
  { id: 'mixed', title: 'mixed: 80% reads, 15% writes, 5% auth (closed loop)', group: 'mixed' },
  { id: 'mixed-open', title: 'mixed, open loop at the highest rate held (rate within 5%, no errors, p99 < 50 ms)', group: 'mixed' },
];
const BASELINES = [
  { id: 'baseline-http', title: 'baseline: bare node:http, fixed user JSON', group: 'baseline' },
  { id: 'baseline-pg', title: 'baseline: express + pg, select by id', group: 'baseline' },
  { id: 'baseline-argon2', title: 'baseline: raw argon2.verify, all cores', group: 'baseline' },
];

async function main() {
  const started = new Date();
  log(`${mode} run: ${S.users} users, ${S.duration} s per scenario, results in ${options.out}`);
  const machine = await machineInfo();
  const redisPrefix = `uma-bench:${mode}:${runTag}:`;
  const jwtSecret = randomBytes(48).toString('base64url');
  const metricsToken = randomBytes(24).toString('base64url');

  await adminQuery(`drop database if exists "${DATABASE}" with (force)`);
  await adminQuery(`create database "${DATABASE}"`);
  api = new Child('api', join(BENCH, 'server.mjs'), {
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl(),
      DB_POOL_MAX: String(S.dbPoolMax),
      REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
      LOG_LEVEL: 'warn',
      JWT_SECRET: jwtSecret,
      ACCESS_TOKEN_EXPIRE: '120',
      // The limiter runs on every request as in production (one Redis script per request), with
      // limits no run can reach: one client IP makes all the load.
      ...UNREACHABLE_LIMITS,
      METRICS_TOKEN: metricsToken,
      // The webhooks scenario: secrets are sealed with this key; its receiver is plain http on 127.0.0.1.
      MFA_ENCRYPTION_KEY: `b1:${randomBytes(32).toString('base64')}`,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      // No UV_THREADPOOL_SIZE: the API sizes its own pool (src/app/thread-pool.ts), as it does in production.
      BENCH_DIST: options.dist,
    },
    logFile: join(logDir, 'api.log'),
    fileLimit: Math.max(...S.scan) + 2000,
  });
  let scan = null;
  let openLoop = null;
  let webhooks = null;
  let seedInfo;
  let apiPeakRssMiB = null;
  try {
    ({ url: apiUrl } = await api.ready());
    log(`API child ${api.pid} on ${apiUrl} (migrated ${DATABASE})`);

    // The one hash every seeded row shares, made by the API's own hasher with its default parameters.
    const { PasswordHasher } = require(join(options.dist, 'auth/passwords/password.hasher.js'));
    const { loadConfig } = require(join(options.dist, 'platform/config/config.js'));
    const passwordHash = await new PasswordHasher(loadConfig({}).argon2).hash(PASSWORD);
    const { ids, seconds } = await seed(passwordHash);
    seedInfo = { users: ids.length, admins: ADMINS, seconds, passwordHash: passwordHash.replace(/\$[^$]+\$[^$]+$/, '$...') };
    log(`seeded ${ids.length} users + ${ADMINS} admins in ${seconds.toFixed(1)} s`);

    seedIds = ids;
    const zipf = zipfPicker(ids, ZIPF_S, seededRandom(1));
    seedInfo.zipf = { s: ZIPF_S, top1Share: zipf.topShare(1), top100Share: zipf.topShare(100), top10kShare: zipf.topShare(10_000) };
    pickReadId = zipf;
    const uniform = shuffled(ids, seededRandom(2));
    pickAnyId = () => uniform[Math.floor(random() * uniform.length)];
    pickLoginName = () => `bench_${1 + Math.floor(random() * S.users)}`;
    pickTerm = () => SEARCH_TERMS[Math.floor(random() * SEARCH_TERMS.length)];
    adminTokens = [];
    for (let i = 1; i <= ADMINS; i += 1) adminTokens.push((await post('/v1/auth/login', { username: `bench_admin${i}`, password: PASSWORD })).accessToken);

    const read = { connections: S.readConnections, duration: S.duration, warmup: S.warmup };
    // The pairs behind the ratio targets run S.repeats times, interleaved; the median run is reported.
    const rounds = (steps) => Array.from({ length: S.repeats }, () => steps).flat();
    const plan = [
      ['baseline-http'],
      ...rounds([
        ['baseline-pg'],
        ['rest-get-user', { ...read, kinds: ['rest-get'], choose: only('rest-get') }],
        ['graphql-user', { ...read, kinds: ['gql-user'], choose: only('gql-user') }],
      ]),
      ['graphql-users-search', { ...read, kinds: ['gql-search'], choose: only('gql-search') }],
      ['rest-list-search', { ...read, kinds: ['rest-search'], choose: only('rest-search') }],
      ['rest-patch-user', { ...read, warmup: S.writeWarmup, kinds: ['rest-patch'], choose: only('rest-patch') }],
      ['rest-create-user', { connections: S.argonConnections, duration: S.duration, warmup: S.writeWarmup, kinds: ['rest-create'], choose: only('rest-create') }],
      ...rounds([
        ['auth-login', { connections: S.argonConnections, duration: S.duration, warmup: S.writeWarmup, kinds: ['login'], choose: only('login') }],
        ['baseline-argon2'],
      ]),
      ['auth-refresh', { connections: S.readConnections, duration: S.duration, kinds: [], choose: only('refresh'), sessions: S.readConnections + S.spareSessions }],
      ['mixed', { connections: S.readConnections, duration: S.mixedDuration, kinds: ['rest-get', 'gql-user', 'rest-patch'], choose: mixed(), sessions: S.readConnections + S.spareSessions }],
      ['mixed-open'],
    ];
    for (const [id, specOrMake] of plan) {
      if (!enabled(id)) continue;
      // Baselines run while the API child idles.
      if (id === 'baseline-http') {
        await httpBaseline(BASELINES[0], ['http'], () => `/users/${pickReadId()}`);
        continue;
      }
      if (id === 'baseline-pg') {
        await httpBaseline(BASELINES[1], ['pg', databaseUrl()], () => `/users/${pickReadId()}`);
        continue;
      }
      if (id === 'baseline-argon2') {
        await argon2Baseline(BASELINES[2]);
        continue;
      }
      if (id === 'mixed-open') {
        openLoop = await openLoopSearch(SCENARIOS.find((s) => s.id === id));
        continue;
      }
      const spec = typeof specOrMake === 'function' ? specOrMake() : specOrMake;
      const entry = SCENARIOS.find((s) => s.id === id);
      await apiScenario(entry, spec);
    }

    if (enabled('webhooks')) {
      webhooks = await webhookScenario({ apiUrl, token: adminTokens[0], pickUserId: pickAnyId, rate: options.quick ? 20 : 50, seconds: options.quick ? 3 : 10, burst: options.quick ? 300 : 2000, log });
    }
    if (enabled('scan')) scan = await concurrencyScan();
    const memory = procMemory(api.pid);
    apiPeakRssMiB = memory ? Math.round(memory.hwmKiB / 1024) : null;
  } finally {
    await quiesce().catch(() => undefined);
    const exit = await api.stop();
    if (exit.code !== 0) log(`API child exited with code ${exit.code} signal ${exit.signal} (see ${join(logDir, 'api.log')})`);
    await deleteRedisKeys(redisPrefix).catch((error) => log(`could not delete Redis keys: ${error.message}`));
    if (dropDatabaseAtEnd) await adminQuery(`drop database if exists "${DATABASE}" with (force)`).catch((error) => log(`could not drop ${DATABASE}: ${error.message}`));
  }

  // One row per scenario, in the order they first ran: the median run by req/s when repeated.
  const ids = [...new Set(results.map((r) => r.id))];
  const reported = ids.map((id) => {
    const runs = results.filter((r) => r.id === id);
    if (runs.length === 1) return runs[0];
    const median = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)];
    return { ...median, runs: runs.map((r) => ({ rps: r.rps, p99: r.latencyMs.p99, cacheHitRate: r.cacheHitRate ?? null })) };
  });
  const byId = Object.fromEntries(reported.map((r) => [r.id, r]));
  const report = {
    version: 1,
    mode,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    dist: options.dist,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    elapsedSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    settings: {
      ...S,
      database: DATABASE,
      zipfS: ZIPF_S,
      mix: Object.fromEntries(MIX),
      searchTerms: SEARCH_TERMS.length,
      apiEnv: { NODE_ENV: 'production', LOG_LEVEL: 'warn', rateLimits: 'enabled, every limit 1000000000/60', DB_POOL_MAX: S.dbPoolMax, threadPool: `its own default: ARGON2_CONCURRENCY = cores (${S.cores}) hashes + 4`, ACCESS_TOKEN_EXPIRE: 120, argon2: 'defaults (19456 KiB, 2 iterations, parallelism 1)' },
    },
    seed: seedInfo,
    scenarios: reported,
    ratios: computeRatios(reported, byId),
    targets: computeTargets(byId, openLoop, scan),
    openLoop,
    scan,
    webhooks,
    api: { peakRssMiB: apiPeakRssMiB },
    profiles: profiles.map(({ id, file, topFunctions, topPackages, topAppInclusive, totalMs }) => ({ id, file, totalMs, topPackages: topPackages.slice(0, 15), topFunctions: topFunctions.slice(0, 25), topAppInclusive: topAppInclusive.slice(0, 20) })),
  };

  mkdirSync(options.out, { recursive: true });
  const base = join(options.out, `bench-${mode}-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(report));
  writeFileSync(`${base}.svg`, renderSvg(report));
  for (const ext of ['json', 'md', 'svg']) copyFileSync(`${base}.${ext}`, join(options.out, `latest-${mode}.${ext}`));
  log(`wrote ${base}.{md,json,svg} and latest-${mode}.* in ${report.elapsedSeconds} s`);
  for (const t of report.targets) log(`target ${t.id} (goal ${t.goal}): ${t.value}${t.unit === 'ratio' ? '' : ` ${t.unit}`}${t.spread ? ` (repeats ${t.repeats.map((r) => r.ratio).join(' / ')})` : ''}${t.detail ? ` [${t.detail}]` : ''}; ${t.rule}: ${t.met ? 'MET' : 'MISSED'}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
