// Renders a benchmark result (the JSON the harness writes) as markdown and as an SVG bar chart.
import { profileMarkdown } from './profile-summary.mjs';
import { webhookSection } from './webhooks.mjs';

const fmt = (value, digits = 1) => (value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toLocaleString('en-US', { maximumFractionDigits: digits }));
const pct = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const escapeXml = (text) => String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

export function machineLine(m) {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, PostgreSQL ${m.postgres}, Redis ${m.redis}, autocannon ${m.autocannon}${m.commit ? `, commit ${m.commit}` : ''}`;
}

/** Server (from its own counters) / load generator / PostgreSQL backends of the run / other processes / steal. */
function cpuCell(s) {
  const m = s.machineCpuCores ?? {};
  return [s.apiCpuCores, m.loadgen, m.postgres, m.other, m.steal].map((x) => fmt(x, 2)).join(' / ');
}

export function resultsTable(report) {
  const rows = [
    '| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | non-2xx | cache hit | SQL/req | CPU cores: server / load gen / PG / other / steal | peak RSS MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of report.scenarios) {
    const l = s.latencyMs;
    const non2xx = s.appErrors ? `${s.non2xx} (+${s.appErrors} GraphQL errors)` : `${s.non2xx}`;
    const conns = s.rate ? `${s.connections} @ ${s.rate}/s` : `${s.connections}`;
    rows.push(
      `| ${s.id} | ${conns} | ${fmt(s.rps)} | ${fmt(l.p50, 2)} | ${fmt(l.p95, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 1)} | ${s.errors} | ${non2xx} | ${pct(s.cacheHitRate)} | ${fmt(s.sqlPerRequest, 2)} | ${cpuCell(s)} | ${fmt(s.peakRssMiB, 0)} |`,
    );
  }
  return rows.join('\n');
}

export function ratiosTable(report) {
  const rows = ['| scenario | req/s | vs bare node:http | vs express + pg |', '| --- | ---: | ---: | ---: |'];
  for (const r of report.ratios) rows.push(`| ${r.id} | ${fmt(r.rps)} | ${pct(r.vsBareHttp)} | ${pct(r.vsExpressPg)} |`);
  return rows.join('\n');
}

function targetValue(t) {
  if (t.value === null || t.value === undefined) return '–';
  if (t.unit === 'ratio') return `${fmt(t.value, 3)} x`;
  if (t.unit === 'req/s') return `${fmt(t.value, 0)} req/s (p99 ${fmt(t.p99Ms, 1)} ms)`;
  if (t.unit === 'errors') return `${fmt(t.value, 0)} errors (p99 ${fmt(t.p99Ms, 1)} ms)`;
  return `${fmt(t.value, 1)} ${t.unit}`;
}

function targetSpread(t) {
  if (t.repeats) return `${fmt(t.spread.min, 3)}–${fmt(t.spread.max, 3)} (repeats: ${t.repeats.map((r) => `${fmt(r.ratio, 3)} = ${fmt(r.a, 0)}/${fmt(r.b, 0)}`).join('; ')})`;
  return t.detail ?? '–';
}

function targetThreshold(t) {
  if (t.unit === 'ratio') return `${t.rule.startsWith('every') ? 'every repeat' : 'median'} >= ${fmt(t.threshold, 2)} x`;
  if (t.unit === 'errors') return '0 errors';
  if (t.unit === 'req/s') return `p99 < ${t.threshold} ms, rate held, 0 errors`;
  return `${t.comparator} ${t.threshold}`;
}

/** One row per target: value (median for ratios), spread and repeats (or details), threshold, met. */
export function targetsTable(report) {
  const rows = ['| goal | target | value | spread / details | threshold | |', '| ---: | --- | ---: | --- | --- | --- |'];
  for (const t of report.targets) rows.push(`| ${t.goal} | ${t.description} | ${targetValue(t)} | ${targetSpread(t)} | ${targetThreshold(t)} | ${t.met ? 'met' : '**missed**'} |`);
  return rows.join('\n');
}

/** Every step of the open-loop search. */
export function openLoopTable(openLoop) {
  const rows = ['| step | target req/s | conns | achieved req/s | p50 ms | p99 ms | max ms | errors | non-2xx | server CPU | held | why not |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |'];
  openLoop.steps.forEach((step, i) => {
    const l = step.latencyMs;
    rows.push(`| ${i + 1} | ${fmt(step.rate, 0)} | ${step.connections} | ${fmt(step.achievedRate)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 1)} | ${step.errors} | ${step.non2xx}${step.appErrors ? ` (+${step.appErrors} GraphQL)` : ''} | ${fmt(step.apiCpuCores, 2)} | ${step.holds ? 'yes' : 'no'} | ${step.reasons.join('; ')} |`);
  });
  return rows.join('\n');
}

function kindsTable(scenario, mix) {
  const total = Object.values(scenario.byKind).reduce((sum, k) => sum + k.count, 0);
  const rows = ['| kind | weight | responses | p50 ms | p95 ms | p99 ms | max ms | non-2xx |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  const order = Object.keys(mix);
  const kinds = Object.entries(scenario.byKind).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  for (const [kind, k] of kinds) {
    rows.push(`| ${kind} | ${mix[kind] ?? '–'}% | ${k.count} (${((k.count / total) * 100).toFixed(1)}%) | ${fmt(k.p50, 2)} | ${fmt(k.p95, 2)} | ${fmt(k.p99, 2)} | ${fmt(k.max, 1)} | ${k.non2xx}${k.appErrors ? ` (+${k.appErrors} GraphQL errors)` : ''} |`);
  }
  return rows.join('\n');
}

export function scanTable(scan) {
  const rows = [
    '| connections | load gens | ramp s | req/s | p50 ms | p99 ms | max ms | N / req/s (ms) | errors | timeouts (before a 1st answer / during ramp) | non-2xx | listen overflows / drops | connects > 0.9 s / closed by server | server CPU | CPU cores: server / load gen / harness / PG / other / steal | load-gen loop delay max ms | cache hit | peak RSS MiB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const level of scan.levels) {
    if (level.skipped) {
      rows.push(`| ${level.connections} | skipped: ${level.reason} |${' |'.repeat(16)}`);
      continue;
    }
    const l = level.latencyMs;
    const m = level.machineCpuCores ?? {};
    rows.push(
      `| ${level.connections} | ${level.loadGenerators ?? 1} | ${fmt(level.ramp?.releasedAfterSeconds, 1)}${level.ramp?.capped ? ' (capped)' : ''} | ${fmt(level.rps)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 1)} | ${fmt(level.queueingMeanMs, 0)} | ${level.errors} | ${level.timeouts} (${level.timeoutsBeforeFirstAnswer ?? '–'} / ${level.errorsDuringRamp ?? '–'}) | ${level.non2xx} | ${level.listenOverflows ?? '–'} / ${level.listenDrops ?? '–'} | ${level.connects?.over900ms ?? '–'} / ${level.connects?.closedByServer ?? '–'} | ${fmt(level.apiCpuCores, 2)} | ${[m.server, m.loadgen, m.harness, m.postgres, m.other, m.steal].map((x) => fmt(x, 2)).join(' / ')} | ${fmt(level.loadgenLoopDelayMs?.max, 0)} | ${pct(level.cacheHitRate)} | ${fmt(level.peakRssMiB, 0)} |`,
    );
  }
  return rows.join('\n');
}

export function renderMarkdown(report) {
  const m = report.machine;
  const s = report.settings;
  const byId = Object.fromEntries(report.scenarios.map((r) => [r.id, r]));
  const out = [];
  out.push(`# API benchmark: ${report.mode} run`, '');
  out.push(`\`${report.command}\`, started ${report.startedAt}, took ${fmt(report.elapsedSeconds, 0)} s.`, '');
  out.push(`Machine: ${machineLine(m)}.`, '');
  out.push(
    `Data: ${fmt(report.seed?.users, 0)} users (+ ${report.seed?.admins} admins) in database \`${s.database}\`, seeded in ${fmt(report.seed?.seconds, 1)} s with one argon2id hash shared by every row. ` +
      `Reads pick ids with Zipf s=${s.zipfS} (the hottest id gets ${pct(report.seed?.zipf?.top1Share)} of reads, the top 10,000 ids ${pct(report.seed?.zipf?.top10kShare)}); writes pick ids uniformly.`,
    '',
  );
  out.push('## Results', '', `Closed loop: each connection sends its next request when the previous answer arrives; ${s.duration} s per scenario after a warm-up (mixed: ${s.mixedDuration} s; mixed-open: the step of the open-loop search below with the highest rate that held, ${s.search?.stepSeconds} s). "req/s" counts 2xx answers only.`, '');
  out.push(resultsTable(report), '');
  const repeated = report.scenarios.filter((r) => r.runs);
  if (repeated.length) {
    out.push(`Run ${repeated[0].runs.length} times, interleaved (the row shows the median run by req/s): ${repeated.map((r) => `${r.id} ${r.runs.map((run) => fmt(run.rps)).join(' / ')}`).join('; ')} req/s.`, '');
  }
  if (report.ratios.length) out.push('## Throughput against the baselines', '', ratiosTable(report), '');
  if (report.targets.length) {
    out.push('## Targets (issue 17; tracked, not asserted)', '');
    out.push('Ratios: each repeat pairs run i of one scenario with run i of the other (they ran interleaved); the value is the median of the repeats\' ratios, the spread their min–max.', '');
    out.push(targetsTable(report), '');
  }
  if (report.openLoop) {
    const o = report.openLoop;
    out.push('## Mixed open loop: the highest rate that holds', '');
    out.push(
      `A step holds when the achieved rate is within ${fmt((1 - o.criteria.holdRatio) * 100, 0)}% of the target, with 0 errors, 0 non-2xx (and no GraphQL errors) and p99 < ${o.criteria.p99Ms} ms. ` +
        `Started at ${fmt(o.startRate, 0)} req/s (${o.closedLoopRps ? `${fmt(o.settings.startFraction * 100, 0)}% of the closed-loop mixed ${fmt(o.closedLoopRps)} req/s` : 'no closed-loop mixed run to start from'}), ` +
        `x${o.settings.growth} while steps held, halved while none had, then bisection; ${o.settings.stepSeconds} s per step, at most ${o.settings.maxSteps} steps and ${o.settings.budgetSeconds} s; ${o.settings.periodMs} ms between one connection's requests. Took ${fmt(o.seconds, 0)} s; stopped: ${o.stoppedBecause}.`,
      '',
    );
    out.push(openLoopTable(o), '');
    out.push(o.highestSustainedRate !== null ? `**Highest sustained rate: ${fmt(o.highestSustainedRate, 0)} req/s, p99 ${fmt(o.p99AtHighestRate, 2)} ms**${o.lowestFailedRate ? ` (${fmt(o.lowestFailedRate, 0)} req/s failed)` : ' (no step failed: the machine may hold more)'}.` : '**No rate held**, down to the lowest step tried.', '');
  }
  for (const id of ['mixed', 'mixed-open']) {
    const scenario = byId[id];
    if (!scenario?.byKind) continue;
    out.push(`## ${id}: latency by request kind`, '');
    if (scenario.rate) out.push(`Target ${scenario.rate} req/s, achieved ${fmt(scenario.achievedRate)} req/s over ${scenario.connections} connections.`, '');
    out.push(kindsTable(scenario, s.mix), '');
  }
  out.push(...webhookSection(report.webhooks));
  if (report.scan) {
    out.push('## Concurrency scan (authenticated GET /v1/users/{id})', '');
    const sl = report.scan.settings ?? {};
    out.push(
      `Closed loop (every connection always has one request outstanding), every level run. Load generators: child processes (\`bench/loadgen.mjs\`), one per ${fmt(sl.connectionsPerWorker, 0)} connections (at most ${sl.maxWorkers}). Ramp: the connections open at most ${fmt(sl.perStep, 0)} per ${sl.stepMs} ms, fewer while first requests are unanswered; each sends one request and then holds until all have had their first answer (or 3 s after the last opened, or ${sl.rampMaxSeconds} s into the ramp: "capped"), then all start at once ("ramp s" is that moment). req/s and latencies are taken over the ${sl.duration ?? s.scanDuration} s from ${sl.settleSeconds} s after the start; errors over the whole level, ramp included. ${sl.timeoutSeconds ?? 10} s request timeout. ` +
        `Open-file limit ${m.openFilesSoft} (soft) / ${m.openFilesHard} (hard); net.core.somaxconn ${m.somaxconn ?? '?'}, net.ipv4.tcp_max_syn_backlog ${m.tcpMaxSynBacklog ?? '?'}.`,
      '',
    );
    out.push(scanTable(report.scan), '');
    out.push(report.scan.levelsWithErrors?.length ? `Levels with errors: ${report.scan.levelsWithErrors.join(', ')} connections.` : 'No errors at any level.', '');
    out.push(
      '"N / req/s": Little\'s law for a closed loop, the mean latency the level must have at that throughput (connections / req/s): with 10,000 connections at 2,000 req/s every request waits about 5 s on average, so a 10 s timeout is reached by the tail of the queue unless the server answers more than about 1,000-2,000 req/s. ' +
        "Timeouts \"before a 1st answer\" are on connections that never got an answer: waiting in the server's accept queue (a Node server busy with its established connections accepts new ones slowly, about one per event-loop turn) or for a SYN the kernel dropped (retried after 1, 3, 7 s); \"during ramp\" came before the measured window. Listen overflows / drops: connection attempts the kernel dropped because a listen queue was full (TcpExt ListenOverflows / ListenDrops, machine-wide). Connects > 0.9 s: TCP connects that needed a SYN retry; closed by server: connections the API ended (e.g. its keep-alive timeout, Node's default 5 s, on a connection held idle during the ramp; autocannon reconnects). " +
        'Load-gen loop delay: the worst event-loop delay of a load generator; when it is large the load generator, not the server, delayed the answers it timed.',
      '',
    );
  }
  out.push('## API process memory', '', `Peak resident set of the API process over the whole run (VmHWM): ${fmt(report.api?.peakRssMiB, 0)} MiB. The per-scenario column is the highest VmRSS sampled every 200 ms during that scenario.`, '');
  if (report.profiles?.length) {
    out.push('## CPU profiles', '', 'V8 CPU profiles of the API process (the profiler behind `node --cpu-prof`), one per measured scenario; sampling slows the server, so these runs are not the numbers above them. Open the .cpuprofile files in Chrome DevTools.', '');
    for (const profile of report.profiles) out.push(profileMarkdown(profile.id, profile), `File: \`${profile.file}\``, '');
  }
  out.push('## How it was measured', '');
  out.push(
    [
      '- Everything on loopback (127.0.0.1). The API runs in its own process (`bench/server.mjs` starts `dist/app/server.js` with `startServer(loadConfig(env))`), and so does each baseline (`bench/baselines.mjs`); the load generator (autocannon, one connection = one request at a time) runs in the harness process. On this machine all of them, PostgreSQL and Redis share the same cores, so the load generator takes CPU from the server: absolute numbers are lower than on a dedicated box, ratios are fairer.',
      `- API configuration: NODE_ENV=production, LOG_LEVEL=warn, DB_POOL_MAX=${s.dbPoolMax}, default argon2id parameters (19456 KiB, 2 iterations, parallelism 1), the API's own thread pool (ARGON2_CONCURRENCY = ${s.cores} hashes at once, the core count, beside libuv's 4 threads; the argon2 baseline runs on UV_THREADPOOL_SIZE = ${s.cores}), ACCESS_TOKEN_EXPIRE=120 min so tokens outlive the run. Rate limits on, as in production (every request runs the sliding-window script in Redis), with every limit set to 1000000000/60 (a one-minute window keeps the sliding-window logs small) so that the single client IP of the load generator is never refused.`,
      `- Latency percentiles are exact, computed from every answer's time from request written to response complete (autocannon's own histogram is not used: in rate mode it adds coordinated-omission fill-in values at a 1 ms interval). Transport errors and timeouts are "errors"; GraphQL answers with an \`errors\` member are counted apart, next to non-2xx.`,
      '- Reads are made by admins (a plain user may read only themselves), with 4 admin sessions spread over the connections. Every authenticated request checks the token, the session (Redis) and the actor (user cache).',
      '- Cache hit rate: user-cache lookups (in-process LRU or Redis) over all lookups during the scenario, read from the server\'s own counters (the same ones `/metrics` exposes as `cache_lookups{result}`); an authenticated read looks up the actor and the target. List/search results count as lookups too.',
      `- CPU cores: the server process (its own counters; for baselines the baseline process), the load generator (this harness), the PostgreSQL backends serving \`${s.database}\`, every other process on the machine, and the hypervisor's steal time (from /proc, during the measured run). "Other" and "steal" are contention from outside the run: numbers taken while they are well above 0 are lower than the code can do, and runs on this VM vary by about ±10% even when both are near 0. Load average at start ${m.loadAverageAtStart?.join(', ') ?? '?'}, at end ${m.loadAverageAtEnd?.join(', ') ?? '?'}.`,
      '- SQL per request: statements sent by the API\'s pg driver (BEGIN and COMMIT included) during the scenario, counted by a one-line wrapper around `pg.Client.prototype.query` in the bench server process, divided by answers. Nothing in src was changed for it.',
      '- Sign-up bodies are unique per request (autocannon setupRequest). PATCH changes firstName and phone of a uniformly chosen user. Login picks a random seeded user. Refresh: each connection starts from its own session (logged in through the API before the measured run) and chains the rotation: every request sends the refresh token the previous answer returned; a broken chain takes a spare session.',
      `- Mixed workload weights (%): ${Object.entries(s.mix).map(([k, w]) => `${k} ${w}`).join(', ')}; searches use ${s.searchTerms} terms.`,
      `- Open loop (the mixed-open search): autocannon \`overallRate\`, each connection paced to one request every ${s.search?.periodMs} ms at its own random phase (connections = rate x ${s.search?.periodMs} ms; autocannon alone would send each connection's per-second quota in a burst at the start of every second). An answer slower than that delays its connection's next request; the achieved rate shows whether the rate was held. Refresh sessions are carried from step to step (a chain whose last request was in flight at the end of a step is dropped), topped up by logins before a step.`,
      '- Login baseline: `argon2.verify` with the same hash parameters in a tight loop, as many calls in flight as the login scenario has connections, in its own process with the same thread-pool size.',
      '- The concurrency scan runs every level; its load generators run in child processes and open their connections gradually (autocannon alone opens them all in the same millisecond); 10 s autocannon timeout.',
    ].join('\n'),
    '',
  );
  return `${out.join('\n')}\n`;
}

/** Two horizontal bar charts on log scales, req/s and p99 per scenario; baselines in grey. */
export function renderSvg(report) {
  const rows = report.scenarios;
  const rowHeight = 24;
  const top = 96;
  const labelWidth = 190;
  const barWidth = 330;
  const gap = 90;
  const width = labelWidth + 2 * barWidth + gap + 70;
  const height = top + rows.length * rowHeight + 64;
  const x1 = labelWidth;
  const x2 = labelWidth + barWidth + gap;
  const decades = (max) => Math.max(1, Math.ceil(Math.log10(Math.max(max, 10))));
  const rpsDecades = decades(Math.max(...rows.map((r) => r.rps || 0)));
  const p99Decades = decades(Math.max(...rows.map((r) => r.latencyMs?.p99 || 0)));
  const scale = (value, n) => (Math.log10(Math.max(value, 1)) / n) * barWidth;
  const m = report.machine;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push('<rect width="100%" height="100%" fill="#ffffff"/>');
  parts.push(`<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(`API benchmark: ${report.mode} run, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`)}</text>`);
  parts.push(`<text x="12" y="40" fill="#555">${escapeXml(`${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${String(m.postgres).split(' ')[0]}, Redis ${m.redis}, autocannon ${m.autocannon}`)}</text>`);
  parts.push(`<text x="12" y="56" fill="#555">${escapeXml(`${report.command}${m.commit ? ` at ${m.commit}` : ''}; load average at start ${m.loadAverageAtStart?.[0] ?? '?'}`)}</text>`);
  parts.push(`<text x="${x1}" y="${top - 22}" font-weight="bold">req/s, 2xx (log scale)</text>`);
  parts.push(`<text x="${x2}" y="${top - 22}" font-weight="bold">p99 latency, ms (log scale)</text>`);
  const axis = (x, n, bottom) => {
    for (let d = 0; d <= n; d += 1) {
      const gx = x + (d / n) * barWidth;
      parts.push(`<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${bottom}" stroke="#dddddd"/>`);
      parts.push(`<text x="${gx.toFixed(1)}" y="${top - 8}" text-anchor="middle" fill="#777" font-size="10">${fmt(10 ** d, 0)}</text>`);
    }
  };
  const bottom = top + rows.length * rowHeight;
  rows.forEach((_, i) => {
    if (i % 2 === 0) parts.push(`<rect x="0" y="${top + i * rowHeight - 3}" width="${width}" height="${rowHeight}" fill="#f6f6f6"/>`);
  });
  axis(x1, rpsDecades, bottom);
  axis(x2, p99Decades, bottom);
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    const baseline = r.target === 'baseline';
    const rpsWidth = Math.max(1, scale(r.rps || 0, rpsDecades));
    const p99 = r.latencyMs?.p99 || 0;
    const p99Width = Math.max(1, scale(p99, p99Decades));
    const fill = baseline ? '#9e9e9e' : '#1f77b4';
    const fill2 = baseline ? '#bdbdbd' : p99 >= 50 ? '#d62728' : '#ff7f0e';
    parts.push(`<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end">${escapeXml(r.id)}</text>`);
    parts.push(`<rect x="${x1}" y="${y}" width="${rpsWidth.toFixed(1)}" height="16" fill="${fill}"><title>${escapeXml(`${r.title}: ${r.rps} req/s`)}</title></rect>`);
    parts.push(`<text x="${(x1 + rpsWidth + 4).toFixed(1)}" y="${y + 13}">${escapeXml(fmt(r.rps))}</text>`);
    parts.push(`<rect x="${x2}" y="${y}" width="${p99Width.toFixed(1)}" height="16" fill="${fill2}"><title>${escapeXml(`${r.title}: p99 ${p99} ms`)}</title></rect>`);
    parts.push(`<text x="${(x2 + p99Width + 4).toFixed(1)}" y="${y + 13}">${escapeXml(fmt(p99, 1))}</text>`);
  });
  const legendY = bottom + 28;
  parts.push(`<rect x="12" y="${legendY - 10}" width="12" height="12" fill="#1f77b4"/><text x="30" y="${legendY}">API scenario</text>`);
  parts.push(`<rect x="130" y="${legendY - 10}" width="12" height="12" fill="#9e9e9e"/><text x="148" y="${legendY}">baseline (argon2: verifies/s; latency of one verify among ${report.settings.argonConnections} in flight)</text>`);
  parts.push(`<rect x="12" y="${legendY + 8}" width="12" height="12" fill="#ff7f0e"/><text x="30" y="${legendY + 18}">p99 under 50 ms</text>`);
  parts.push(`<rect x="130" y="${legendY + 8}" width="12" height="12" fill="#d62728"/><text x="148" y="${legendY + 18}">p99 at or above 50 ms</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
