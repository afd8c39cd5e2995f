// Shared helpers of the benchmark harness: child processes, /proc sampling, seeded randomness,
// Zipf sampling, and one autocannon run with exact latency percentiles.
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** mulberry32: a small seeded PRNG, so two runs ask for the same ids in the same order. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(items, random) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Zipf(s) over `items`: rank k is drawn with probability proportional to 1/k^s. The items are
 * shuffled first, so the hot ids are spread over the table rather than the newest rows.
 */
export function zipfPicker(items, s, random) {
  const n = items.length;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k += 1) {
    sum += 1 / k ** s;
    cdf[k - 1] = sum;
  }
  for (let i = 0; i < n; i += 1) cdf[i] /= sum;
  const ranked = shuffled(items, random);
  const pick = () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return ranked[lo];
  };
  /** Share of draws that land on the `top` hottest items. */
  pick.topShare = (top) => cdf[Math.min(top, n) - 1];
  return pick;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  const round = (x) => Math.round(x * 100) / 100;
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0;
  return {
    count: sorted.length,
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : 0),
  };
}

/** VmRSS and VmHWM (peak resident set) of a process, in KiB, or null once it is gone. */
export function procMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the highest value seen (KiB). */
export function rssSampler(pid, intervalMs = 200) {
  let peak = procMemory(pid)?.rssKiB ?? 0;
  const timer = setInterval(() => {
    const memory = procMemory(pid);
    if (memory && memory.rssKiB > peak) peak = memory.rssKiB;
  }, intervalMs);
  return () => {
    clearInterval(timer);
    const memory = procMemory(pid);
    if (memory && memory.rssKiB > peak) peak = memory.rssKiB;
    return peak;
  };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU ticks (user + system) of every process, with its command line, from /proc. */
function processTicks() {
  const ticks = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return ticks;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = Number(fields[11]) + Number(fields[12]);
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      ticks.set(Number(pid), { used, command });
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/**
 * CPU used by everything on the machine while a scenario ran, in cores, split into the benchmark's
 * own processes (by pid), PostgreSQL backends serving the benchmark's database, Redis, and
 * everything else: "other" is the contention from processes that are not part of the run, "steal"
 * the contention from outside the virtual machine.
 */
function stolenTicks() {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...
    return Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8] ?? 0);
  } catch {
    return 0;
  }
}

export function machineCpu(ours, database) {
  const before = processTicks();
  const stolenBefore = stolenTicks();
  const started = process.hrtime.bigint();
  return () => {
    const after = processTicks();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const steal = (stolenTicks() - stolenBefore) / CLOCK_TICKS / seconds;
    const cores = { byPid: {}, postgres: 0, redis: 0, other: 0 };
    for (const [pid, { used, command }] of after) {
      const delta = (used - (before.get(pid)?.used ?? 0)) / CLOCK_TICKS / seconds;
      if (delta <= 0) continue;
      const name = ours.get(pid);
      if (name) cores.byPid[name] = (cores.byPid[name] ?? 0) + delta;
      else if (command.startsWith('postgres: ') && command.includes(` ${database} `)) cores.postgres += delta;
      else if (/redis-server/.test(command)) cores.redis += delta;
      else cores.other += delta;
    }
    const round = (x) => Math.round(x * 100) / 100;
    return {
      ...Object.fromEntries(Object.entries(cores.byPid).map(([name, value]) => [name, round(value)])),
      postgres: round(cores.postgres),
      redis: round(cores.redis),
      other: round(cores.other),
      // Time the hypervisor gave this VM's virtual CPUs to someone else while they wanted to run.
      steal: round(steal),
    };
  };
}

/** Kernel counters of connections refused because a listen queue was full (Linux /proc/net/netstat). */
export function listenQueueCounters() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/).map(Number);
    const get = (name) => values[names.indexOf(name)] ?? 0;
    return { listenOverflows: get('ListenOverflows'), listenDrops: get('ListenDrops') };
  } catch {
    return { listenOverflows: 0, listenDrops: 0 };
  }
}

/** The soft and hard open-file limits a child started from here inherits. */
export function fileLimits() {
  const result = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = result.stdout.trim().split('\n');
  const parse = (value) => (value === 'unlimited' ? Infinity : Number(value));
  return { soft: parse(soft), hard: parse(hard) };
}

/**
 * A Node child with an IPC channel: it says {type:'ready', url} once listening, answers
 * {type:'stats'} and stops on {type:'stop'}. Its stdout and stderr go to `logFile`.
 */
export class Child {
  constructor(name, script, { args = [], env = {}, logFile, execArgv = [], fileLimit } = {}) {
    this.name = name;
    const fd = openSync(logFile, 'a');
    const clean = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: process.env.LANG ?? 'C.UTF-8' };
    const options = { env: { ...clean, ...env }, stdio: ['ignore', fd, fd, 'ipc'], execArgv };
    if (fileLimit && fileLimits().soft < fileLimit) {
      // Raise the open-file limit for this child only (up to the hard limit), then exec node itself.
      const limit = Math.min(fileLimit, fileLimits().hard);
      this.process = fork(script, args, { ...options, execPath: 'sh', execArgv: ['-c', `ulimit -n ${limit} && exec "${process.execPath}" ${execArgv.join(' ')} "$0" "$@"`] });
    } else {
      this.process = fork(script, args, options);
    }
    closeSync(fd);
    this.pid = this.process.pid;
    this.exited = once(this.process, 'exit').then(([code, signal]) => ({ code, signal }));
    // A send to a child that has already closed its channel fails asynchronously; stop() copes.
    this.process.on('error', () => undefined);
    this.nextId = 1;
    this.pending = new Map();
    this.process.on('message', (message) => {
      const waiter = message && this.pending.get(message.id);
      if (waiter) {
        this.pending.delete(message.id);
        waiter(message);
      }
    });
  }

  async ready(timeoutMs = 120_000) {
    const ready = new Promise((resolve) => {
      const onMessage = (message) => {
        if (message?.type === 'ready') {
          this.process.off('message', onMessage);
          resolve(message);
        }
      };
      this.process.on('message', onMessage);
    });
    const failed = this.exited.then(({ code, signal }) => {
      throw new Error(`${this.name} exited during start-up (code ${code}, signal ${signal}); see its log`);
    });
    let timer;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const message = await Promise.race([ready, failed, timedOut]);
      this.url = message.url;
      this.info = message;
      return message;
    } finally {
      clearTimeout(timer);
      failed.catch(() => undefined);
    }
  }

  /** Sends {type, ...payload} and resolves with the child's answer (same id). */
  ask(type, payload = {}, timeoutMs = 60_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${this.name}: ${message.error}`));
        else resolve(message);
      });
      this.process.send({ type, id, ...payload });
    });
  }

  get running() {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Asks it to stop cleanly; SIGKILL (this child's pid only) if it has not exited in time. */
  async stop(timeoutMs = 20_000) {
    if (!this.running) return this.exited;
    if (this.process.connected) this.process.send({ type: 'stop' }, () => undefined);
    const timer = setTimeout(() => this.running && this.process.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/**
 * Keeps a connection's context (refresh-token chain, per-connection state) across requests:
 * autocannon 8 resets it whenever its request list wraps around, which with one dynamic request
 * is after every request. Relies on autocannon's Client internals (pinned version).
 */
function keepContext(client) {
  const iterator = client.requestIterator;
  if (!iterator || typeof iterator.resetContext !== 'function') throw new Error('autocannon internals changed: no requestIterator.resetContext');
  iterator.resetContext = () => {};
}

/**
 * autocannon's rate limit lets each connection send its whole per-second quota back to back at the
 * start of every second, all connections at the same instant: a burst, not a steady rate. This
 * paces each connection to one request every `connections / rate` seconds instead, each at its own
 * random phase, so arrivals spread evenly over time (open loop while answers come back within
 * that period; a slower answer delays that connection's next request, which the achieved rate shows).
 */
function paceConnection(client, periodMs, random) {
  // Called from the Client constructor before it creates its rate interval and sends its first
  // request: hold that request, and swap the interval once the constructor has finished.
  client.reqsMadeThisSecond = 1e12;
  let phase;
  let ticker;
  const release = () => {
    client.reqsMadeThisSecond = 0;
    if (client.paused) {
      client.paused = false;
      client._doRequest();
    }
  };
  setImmediate(() => {
    if (client.destroyed) return;
    if (!client.rateInterval) throw new Error('autocannon internals changed: no rateInterval');
    clearInterval(client.rateInterval);
    client.rate = 1;
    client.reqsMadeThisSecond = 1;
    phase = setTimeout(() => {
      release();
      ticker = setInterval(release, periodMs);
      client.rateInterval = ticker;
    }, random() * periodMs);
  });
  client.once('done', () => {
    clearTimeout(phase);
    clearInterval(ticker);
  });
}

/**
 * One autocannon run. `request` is {setupRequest(req, context), onResponse(status, body, context)}
 * or a static {method, path, headers, body}. Latencies are recorded here from every response
 * (exact percentiles, no histogram and none of autocannon's coordinated-omission fill-in), and
 * per `context.kind` when the requests set one.
 */
export async function load({ url, connections, duration, request, rate, timeout = 10, seed = 1 }) {
  const latencies = [];
  const byKind = new Map();
  let ok = 0;
  const random = seededRandom(seed);
  const options = {
    url,
    connections,
    duration,
    timeout,
    pipelining: 1,
    requests: [request],
    setupClient(client) {
      keepContext(client);
      if (rate) paceConnection(client, (connections / rate) * 1000, random);
    },
  };
  if (rate) options.overallRate = rate;
  const startedAt = Date.now();
  const instance = autocannon(options);
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode >= 200 && statusCode < 300) ok += 1;
    const kind = client.requestIterator?.context?.kind;
    if (kind) {
      let entry = byKind.get(kind);
      if (!entry) byKind.set(kind, (entry = { latencies: [], non2xx: 0, appErrors: 0 }));
      entry.latencies.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) entry.non2xx += 1;
      if (client.requestIterator.context.appError) entry.appErrors += 1;
    }
  });
  const result = await instance;
  const seconds = result.duration || (Date.now() - startedAt) / 1000;
  return {
    seconds,
    responses: latencies.length,
    ok,
    rps: Math.round((ok / seconds) * 10) / 10,
    latency: latencySummary(latencies),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    byKind: Object.fromEntries(
      [...byKind].map(([kind, entry]) => [kind, { ...latencySummary(entry.latencies), non2xx: entry.non2xx, appErrors: entry.appErrors }]),
    ),
  };
}
