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
import { Child, fileLimits, listenQueueCounters, load, machineCpu, procMemory, rssSampler, seededRandom, shuffled, sleep, zipfPicker } from './lib.mjs';
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
  ? { users: 5_000, repeats: 1, readConnections: 20, warmup: 0, writeWarmup: 0, duration: 3, mixedDuration: 3, openLoopWarmup: 0, openLoopDuration: 3, openLoopConnections: 50, spareSessions: 4, argonSeconds: 3, scan: [100, 1000], scanDuration: 3, settleMs: 200 }
  : { users: 100_000, repeats: 3, readConnections: 50, warmup: 3, writeWarmup: 1, duration: 10, mixedDuration: 15, openLoopWarmup: 3, openLoopDuration: 20, openLoopConnections: 200, spareSessions: 20, argonSeconds: 10, scan: [100, 1000, 5000, 10000], scanDuration: 10, settleMs: 2000 };
if (options.users) S.users = options.users;
if (options.repeats) S.repeats = options.repeats;
const UNREACHABLE_LIMITS = Object.fromEntries(
  ['AUTH_PER_IP', 'SIGNUP_PER_IP', 'READ_PER_IP', 'WRITE_PER_IP', 'READ_PER_USER', 'WRITE_PER_USER'].map((name) => [`RATE_LIMIT_${name}`, '1000000000/60']),
);
S.argonConnections = 16; // login, sign-up and the argon2 baseline: enough to keep every core busy
S.openLoopRate = 1000;
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
  let somaxconn = null;
  try {
    somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  } catch {
    // not Linux
  }
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
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

let api; // the API child
let apiUrl;
let adminTokens = [];
let pickReadId;
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
  return {
    setupRequest(req, context) {
      context.slot ??= slotCounter++;
      let kind = choose(context);
      if (kind === 'refresh' && !context.refreshToken) {
        context.refreshToken = pool.pop()?.refreshToken ?? null;
        if (!context.refreshToken) kind = 'rest-get';
      }
      context.kind = kind;
      return { ...req, ...KINDS[kind](context) };
    },
    onResponse(status, body, context) {
      context.appError = false;
      if (context.kind === 'refresh') context.refreshToken = status === 200 ? JSON.parse(body).refreshToken : null;
      else if (context.kind.startsWith('gql-')) context.appError = body.includes('"errors"');
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
 * already gave up still run): no SQL statement for half a second, or `maxMs`.
 */
async function quiesce(maxMs = 15_000) {
  const deadline = Date.now() + maxMs;
  let last = -1;
  while (Date.now() < deadline && api.running) {
    const stats = await apiStats().catch(() => null);
    if (!stats || stats.statements === last) return;
    last = stats.statements;
    await sleep(500);
  }
}

function cacheDelta(before, after) {
  const d = (field) => after.cache[field] - before.cache[field];
  const lookups = d('localHits') + d('hits') + d('misses');
  return { lookups, localHits: d('localHits'), redisHits: d('hits'), misses: d('misses'), errors: d('errors'), hitRate: lookups ? (d('localHits') + d('hits')) / lookups : null };
}

function record(entry, measured, extra = {}) {
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
  results.push(result);
  const l = result.latencyMs;
  log(`${entry.id}: ${result.rps} req/s, p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms, errors ${result.errors}, non-2xx ${result.non2xx}${result.appErrors ? `, GraphQL errors ${result.appErrors}` : ''}`);
  return result;
}

/** One API scenario: optional warm-up (discarded), then the measured run with the server's counters. */
async function apiScenario(entry, { kinds, choose, connections, duration, warmup = 0, rate, sessions: sessionCount = 0 }) {
  await quiesce();
  for (const kind of kinds) await probe(kind);
  if (warmup > 0) await load({ url: apiUrl, connections, duration: warmup, rate, request: scenarioRequest(choose), seed: 7 });
  const sessions = sessionCount > 0 ? await loginMany(sessionCount) : [];
  await sleep(S.settleMs);
  const before = await apiStats();
  const peakRss = rssSampler(api.pid);
  if (options.profile) await api.ask('profile-start');
  const cpu = machineCpu(new Map([[api.pid, 'server'], [process.pid, 'loadgen']]), DATABASE);
  const startedAt = Date.now();
  const measured = await load({ url: apiUrl, connections, duration, rate, request: scenarioRequest(choose, sessions), seed: 11 });
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

/** Authenticated reads at rising connection counts; stops after the first level with errors. */
async function concurrencyScan() {
  const scan = [];
  let stoppedAt = null;
  for (const connections of S.scan) {
    if (stoppedAt !== null) {
      scan.push({ connections, skipped: true, reason: `errors appeared at ${stoppedAt} connections` });
      continue;
    }
    if (!api.running) {
      scan.push({ connections, skipped: true, reason: 'the API process had exited' });
      continue;
    }
    await quiesce();
    await sleep(S.settleMs);
    const before = await apiStats();
    const peakRss = rssSampler(api.pid);
    const cpu = machineCpu(new Map([[api.pid, 'server'], [process.pid, 'loadgen']]), DATABASE);
    const queueBefore = listenQueueCounters();
    const measured = await load({ url: apiUrl, connections, duration: S.scanDuration, request: scenarioRequest(only('rest-get')), seed: 13 });
    const queueAfter = listenQueueCounters();
    const machineCpuCores = cpu();
    const peakRssKiB = peakRss();
    const after = api.running ? await apiStats().catch(() => null) : null;
    const level = {
      connections,
      rps: measured.rps,
      latencyMs: measured.latency,
      errors: measured.errors,
      timeouts: measured.timeouts,
      non2xx: measured.non2xx,
      responses: measured.responses,
      statusCodes: measured.statusCodes,
      cacheHitRate: after ? cacheDelta(before, after).hitRate : null,
      machineCpuCores,
      // Connection attempts the kernel dropped because the API's listen queue was full (machine-wide counter).
      listenOverflows: queueAfter.listenOverflows - queueBefore.listenOverflows,
      peakRssMiB: Math.round(peakRssKiB / 1024),
    };
    scan.push(level);
    log(`scan ${connections} connections: ${level.rps} req/s, p99 ${level.latencyMs.p99} ms, errors ${level.errors} (timeouts ${level.timeouts}), non-2xx ${level.non2xx}, listen-queue overflows ${level.listenOverflows}`);
    if (level.errors + level.non2xx > 0) stoppedAt = connections;
  }
  return { levels: scan, firstErrorsAt: stoppedAt };
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

function computeTargets(byId) {
  const target = (id, description, value, threshold, met, unit = '') => ({ id, description, value, threshold, met, unit });
  const list = [];
  const read = byId['rest-get-user'];
  const pgRoute = byId['baseline-pg'];
  if (read && pgRoute) {
    const value = ratio(read.rps, pgRoute.rps);
    list.push(target('cached-read-vs-pg', 'cached authenticated GET /v1/users/{id} req/s >= 50% of the bare express + pg route', value, 0.5, value >= 0.5, 'ratio'));
  }
  const gql = byId['graphql-user'];
  if (gql && read) {
    const value = ratio(gql.rps, read.rps);
    list.push(target('graphql-vs-rest', 'GraphQL user(id) req/s >= 80% of the REST read', value, 0.8, value >= 0.8, 'ratio'));
  }
  const login = byId['auth-login'];
  const argon = byId['baseline-argon2'];
  if (login && argon) {
    const value = ratio(login.rps, argon.rps);
    list.push(target('login-vs-argon2', 'POST /v1/auth/login req/s >= 90% of raw argon2.verify throughput (same parameters, all cores)', value, 0.9, value >= 0.9, 'ratio'));
  }
  const open = byId['mixed-1000rps'];
  if (open) {
    const sustained = open.achievedRate >= 0.95 * open.rate && open.errors === 0;
    list.push(target('mixed-1000-p99', `p99 < 200 ms on the mixed workload at a fixed ${open.rate} req/s (rate held within 5%, no errors)`, open.latencyMs.p99, 200, sustained && open.latencyMs.p99 < 200, 'ms'));
    list.push(target('mixed-1000-p95', `p95 < 100 ms on the mixed workload at a fixed ${open.rate} req/s (the seed's other latency target)`, open.latencyMs.p95, 100, sustained && open.latencyMs.p95 < 100, 'ms'));
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
  { id: 'mixed-open-60', title: 'mixed, open loop at 60% of the closed-loop mixed throughput', group: 'mixed' },
  { id: 'mixed-1000rps', title: 'mixed at a fixed 1000 req/s (open loop)', group: 'mixed' },
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
      UV_THREADPOOL_SIZE: String(S.cores),
      BENCH_DIST: options.dist,
    },
    logFile: join(logDir, 'api.log'),
    fileLimit: Math.max(...S.scan) + 2000,
  });
  let scan = null;
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
      ['mixed-open-60', () => {
        // Open loop at 60% of what the closed loop achieved: the latency at a rate this machine can hold.
        const closed = results.find((r) => r.id === 'mixed')?.rps ?? 250;
        const rate = Math.max(20, Math.round((0.6 * closed) / 10) * 10);
        const connections = Math.max(10, Math.ceil(rate * (S.openLoopConnections / S.openLoopRate)));
        return { connections, duration: S.openLoopDuration, rate, kinds: [], choose: mixed(), sessions: connections + S.spareSessions };
      }],
      ['mixed-1000rps', { connections: S.openLoopConnections, duration: S.openLoopDuration, rate: S.openLoopRate, kinds: [], choose: mixed(), sessions: S.openLoopConnections + S.spareSessions }],
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
      const spec = typeof specOrMake === 'function' ? specOrMake() : specOrMake;
      const entry = SCENARIOS.find((s) => s.id === id);
      if (spec.rate && S.openLoopWarmup > 0) {
        await load({ url: apiUrl, connections: spec.connections, duration: S.openLoopWarmup, rate: spec.rate, request: scenarioRequest(only('rest-get')), seed: 7 });
      }
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
      apiEnv: { NODE_ENV: 'production', LOG_LEVEL: 'warn', rateLimits: 'enabled, every limit 1000000000/60', DB_POOL_MAX: S.dbPoolMax, UV_THREADPOOL_SIZE: S.cores, ACCESS_TOKEN_EXPIRE: 120, argon2: 'defaults (19456 KiB, 2 iterations, parallelism 1)' },
    },
    seed: seedInfo,
    scenarios: reported,
    ratios: computeRatios(reported, byId),
    targets: computeTargets(byId),
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
  for (const t of report.targets) log(`target ${t.id}: ${t.value} (threshold ${t.threshold}) ${t.met ? 'MET' : 'MISSED'}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
