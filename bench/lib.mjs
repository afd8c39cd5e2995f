// Shared helpers of the benchmark harness: child processes, /proc sampling, seeded randomness,
// Zipf sampling, and one autocannon run with exact latency percentiles.
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

/**
 * autocannon's request timeout is a `retimer`. When its timer callback runs later than the
 * rescheduled deadline (the load generator's event loop lagging under thousands of sockets), it
 * calls setTimeout with the negative remainder, and Node 24 prints a TimeoutNegativeWarning (then
 * waits 1 ms). Clamp the delay to 1 ms ourselves: same behaviour, no warning. Relies on retimer's
 * internals (pinned through autocannon); the count of clamped timers is a measure of loop lag.
 */
export const timerLag = { clamped: 0 };
{
  const probe = createRequire(require.resolve('autocannon'))('retimer')(() => {}, 1e9);
  probe.clear();
  const proto = Object.getPrototypeOf(probe);
  if (typeof proto._schedule !== 'function') throw new Error('retimer internals changed: no _schedule');
  const schedule = proto._schedule;
  proto._schedule = function clampedSchedule(timeout) {
    if (!(timeout >= 1)) {
      timerLag.clamped += 1;
      timeout = 1;
    }
    return schedule.call(this, timeout);
  };
}

// Never a negative delay: Node 24 prints a TimeoutNegativeWarning for one (and waits 1 ms anyway).
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

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
export function zipfPicker(items, s, random, pickRandom = random) {
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
    const u = pickRandom();
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
 * Wraps a client's connect: records how long each TCP connect took (to the socket's 'connect'
 * event, i.e. the SYN-ACK: on loopback well under a millisecond unless the kernel dropped the SYN,
 * which the client sends again only after 1, 3, 7, 15 s), and with a ramp, holds the first connect
 * until the ramp lets it go (see Ramp).
 * Relies on autocannon's Client calling this._connect() at the end of its constructor and on
 * every reconnect, and on its timeoutTicker (pinned version).
 */
function instrumentConnect(client, connects, ramp) {
  if (typeof client._connect !== 'function') throw new Error('autocannon internals changed: no Client._connect');
  const connect = client._connect;
  let held = Boolean(ramp);
  const begin = () => {
    if (client.destroyed) return;
    const startedAt = performance.now();
    connect.call(client);
    const socket = client.conn;
    connects.pending.add(socket);
    socket.once('connect', () => {
      connects.pending.delete(socket);
      connects.times.push(performance.now() - startedAt);
    });
    socket.once('close', () => {
      if (connects.pending.delete(socket)) connects.failed += 1;
    });
    // The server ended the connection (e.g. its keep-alive timeout on an idle one); autocannon reconnects.
    socket.once('end', () => {
      connects.closedByServer += 1;
    });
  };
  client._connect = function instrumentedConnect() {
    if (!held) return begin();
    held = false;
    ramp.enqueue(client, begin);
  };
  // autocannon destroys its clients at the end of the run: one still waiting for its turn has no socket.
  const destroyConnection = client._destroyConnection;
  client._destroyConnection = function guardedDestroy() {
    if (this.conn) destroyConnection.call(this);
  };
}

/**
 * Opens a run's connections gradually, and starts the load only once they are all open.
 *
 * Each connection, once opened, sends one request and then holds (no further request) until
 * every connection has had its first answer: so the ramp itself never saturates the server.
 * Every `stepMs`, up to `perStep` more connections open, but only as many as keep fewer than
 * `perStep` first requests unanswered: a server that accepts slowly (busy, or starved of CPU)
 * slows the ramp down instead of piling connections up in its listen queue. After `maxSeconds`
 * the rest open at once (their errors count like any other). Then every connection is released
 * at the same moment and the closed loop starts with all of them established.
 *
 * Why: (1) autocannon builds its clients in one synchronous loop and each connects at once, so
 * 10,000 connections are 10,000 SYNs within the same moment, more than a listen queue holds (the
 * kernel caps a listen backlog at net.core.somaxconn, 4096 here); every SYN it drops is sent again
 * only 1, 3, 7 s later. (2) A Node server saturated by its established connections accepts new
 * ones very slowly (measured: an accept queue of several hundred drained at ~10 per second by
 * the API, and by a trivial node:http server spending 0.8 ms per request, while both answered
 * ~1,000 req/s on their other connections), so connections opened into a running closed loop wait
 * seconds for their first answer and time out. Building 10,000 clients also takes this process
 * seconds, so the ramp's clock starts when that loop is done (the first setImmediate), and a
 * waiting or holding client's request timeout is pushed back until the load starts.
 */
class Ramp {
  constructor({ perStep, stepMs, maxSeconds = 30, holdMaxSeconds = 3 }, connects, onOpened) {
    Object.assign(this, { perStep, stepMs, maxSeconds, holdMaxSeconds, connects, onOpened });
    this.queue = [];
    this.holding = new Set(); // opened, first request sent, waiting for the release
    this.awaitingFirst = 0; // opened, first request not answered yet
    this.startedAt = null;
    this.openedAt = null;
    this.releasedAt = null;
    this.capped = false;
  }

  enqueue(client, begin) {
    this.queue.push({ client, begin });
    if (this.queue.length === 1 && this.startedAt === null) setImmediate(() => this.start());
  }

  start() {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), this.stepMs);
    this.tick();
  }

  /** Opens a client's connection: its first request goes out, the next one waits for release(). */
  open(client, begin) {
    begin();
    // autocannon's own rate gate (Client._doRequest): with rate 1 and one request made this
    // "second", the next request pauses the client until release() resets it.
    client.rate = 1;
    client.reqsMadeThisSecond = 1;
    this.holding.add(client);
    this.awaitingFirst += 1;
  }

  firstAnswer() {
    this.awaitingFirst -= 1;
  }

  tick() {
    const overdue = performance.now() - this.startedAt > this.maxSeconds * 1000;
    if (overdue && this.queue.length > 0) this.capped = true;
    const room = overdue ? this.queue.length : Math.max(0, Math.min(this.perStep, this.perStep - this.awaitingFirst));
    for (const { client, begin } of this.queue.splice(0, room)) this.open(client, begin);
    // Waiting or holding: the request timeout counts from the release, not from now.
    for (const { client } of this.queue) client.timeoutTicker?.reschedule(client.timeout + 2 * this.stepMs);
    for (const client of this.holding) if (client.paused) client.timeoutTicker?.reschedule(client.timeout + 2 * this.stepMs);
    if (this.queue.length === 0 && this.openedAt === null) this.openedAt = performance.now();
    // Released once every first request is answered, or `holdMaxSeconds` after the last connection
    // opened (held connections are idle: the server's keep-alive timeout, 5 s by default, closes them).
    const heldTooLong = this.openedAt !== null && performance.now() - this.openedAt > this.holdMaxSeconds * 1000;
    if (this.queue.length === 0 && (this.awaitingFirst <= 0 || overdue || heldTooLong)) this.release();
  }

  release() {
    clearInterval(this.timer);
    this.releasedAt = performance.now();
    for (const client of this.holding) {
      client.rate = 0;
      if (client.paused && !client.destroyed) {
        client.paused = false;
        client._doRequest();
      }
    }
    this.holding.clear();
    this.onOpened?.();
  }

  stop() {
    clearInterval(this.timer);
  }
}

/**
 * One autocannon run. `request` is {setupRequest(req, context), onResponse(status, body, context)}
 * or a static {method, path, headers, body}. Latencies are recorded here from every response
 * (exact percentiles, no histogram and none of autocannon's coordinated-omission fill-in), and
 * per `context.kind` when the requests set one.
 *
 * `ramp` ({perStep, stepMs, maxSeconds, settleSeconds}): open the connections gradually, one
 * request each, and start the load once all are open (see Ramp); req/s and latencies are then
 * taken over `duration` seconds starting `settleSeconds` (default 1) after that, while errors and timeouts are counted over
 * the whole run and also split: during the ramp (before that window), and on connections that
 * never got an answer. `rawLatencies`: also return the measured latencies (to merge several load
 * generators' percentiles exactly).
 */
export async function load({ url, connections, duration, request, rate, timeout = 10, seed = 1, ramp = null, rawLatencies = false }) {
  const latencies = [];
  const connects = { times: [], pending: new Set(), failed: 0, closedByServer: 0 };
  const byKind = new Map();
  let ok = 0;
  let outsideWindow = 0;
  const random = seededRandom(seed);
  const split = { errorsDuringRamp: 0, timeoutsDuringRamp: 0, timeoutsBeforeFirstAnswer: 0, connectionErrors: 0, reconnectsAfterTimeout: 0 };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const settleSeconds = ramp?.settleSeconds ?? 1;
  let windowStart = ramp ? Infinity : 0;
  let instance;
  let stopTimer;
  const opener = ramp
    ? new Ramp(ramp, connects, () => {
        // Every connection is open: measure from `settleSeconds` on, for `duration` seconds.
        windowStart = performance.now() + settleSeconds * 1000;
        stopTimer = setTimeout(() => instance.stop(), (settleSeconds + duration) * 1000);
      })
    : null;
  const inWindow = () => performance.now() >= windowStart;
  const options = {
    url,
    connections,
    // With a ramp, the run is stopped by the timer above; this is only the upper bound.
    duration: ramp ? (ramp.maxSeconds ?? 30) + settleSeconds + duration + 5 : duration,
    timeout,
    pipelining: 1,
    requests: [request],
    setupClient(client) {
      keepContext(client);
      if (rate) paceConnection(client, (connections / rate) * 1000, random);
      instrumentConnect(client, connects, opener);
      client.answered = false;
      client.on('timeout', () => {
        split.reconnectsAfterTimeout += 1;
        if (!client.answered) split.timeoutsBeforeFirstAnswer += 1;
        if (!inWindow()) {
          split.timeoutsDuringRamp += 1;
          split.errorsDuringRamp += 1;
        }
      });
      client.on('connError', () => {
        split.connectionErrors += 1;
        if (!inWindow()) split.errorsDuringRamp += 1;
      });
    },
  };
  if (rate) options.overallRate = rate;
  const lagBefore = timerLag.clamped;
  const startedAt = performance.now();
  instance = autocannon(options);
  // After autocannon's synchronous construction of every client (seconds for 10,000 of them).
  const builtAt = performance.now();
  loopDelay.enable();
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    if (!client.answered && opener) opener.firstAnswer();
    client.answered = true;
    if (!inWindow()) {
      outsideWindow += 1;
      return;
    }
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
  loopDelay.disable();
  clearTimeout(stopTimer);
  opener?.stop();
  const endedAt = performance.now();
  const seconds = ramp ? Math.max(0.001, (endedAt - Math.min(windowStart, endedAt)) / 1000) : result.duration || (endedAt - startedAt) / 1000;
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
    // buildSeconds: autocannon's synchronous construction of every client, before the ramp starts;
    // rampSeconds: from then until the last connection was opened (capped: it hit maxSeconds).
    ...(ramp
      ? {
          ramp: {
            ...ramp,
            buildSeconds: Math.round(builtAt - startedAt) / 1000,
            // From the ramp's start until the last connection was opened, and until the load started.
            rampSeconds: opener.openedAt ? Math.round(opener.openedAt - opener.startedAt) / 1000 : null,
            releasedAfterSeconds: opener.releasedAt ? Math.round(opener.releasedAt - opener.startedAt) / 1000 : null,
            capped: opener.capped,
            responsesBeforeWindow: outsideWindow,
          },
        }
      : {}),
    ...split,
    // The load generator's own event-loop delay (ms): high values mean it, not the server, delayed answers.
    loadgenLoopDelayMs: { p50: Math.round(loopDelay.percentile(50) / 1e4) / 100, p99: Math.round(loopDelay.percentile(99) / 1e4) / 100, max: Math.round(loopDelay.max / 1e4) / 100 },
    lateTimers: timerLag.clamped - lagBefore,
    // TCP connects (first connections and reconnects after timeouts): time to 'connect', and how
    // many took over 900 ms (a SYN the kernel dropped and the client sent again).
    // Attempts that never connected: closed before connecting (a timeout), or still connecting at the end.
    connects: { count: connects.times.length, ...latencySummary(connects.times), over900ms: connects.times.filter((ms) => ms > 900).length, neverConnected: connects.failed + connects.pending.size, closedByServer: connects.closedByServer },
    ...(rawLatencies ? { latencies, connectTimes: connects.times } : {}),
  };
}
