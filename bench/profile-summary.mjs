// Summarises a V8 .cpuprofile (what `node --cpu-prof` writes; the harness records one per scenario
// with --profile): self time by package and by function, and inclusive time of the app's own
// functions (dist/). Usable alone: node bench/profile-summary.mjs file.cpuprofile
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function packageOf(url, functionName) {
  if (!url) return /^\(.*\)$/.test(functionName) ? functionName : '(native / V8 builtins)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `app: dist/${url.slice(dist + 6).split('/')[0]}`;
  if (url.startsWith('node:')) return 'node core';
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url) {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const inclusive = new Map();
  const byPackage = new Map();
  let total = 0;
  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'}\u0000${url}\u0000${lineNumber + 1}`;
  };
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (delta <= 0) continue;
    const node = nodes.get(profile.samples[i]);
    if (!node) continue;
    total += delta;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + delta);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + delta);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = nodes.get(id);
      // The app's own compiled files; packages ship dist/ folders too (pg-protocol, tarn, lru-cache...).
      if (!frame.callFrame.url.includes('/dist/') || frame.callFrame.url.includes('/node_modules/')) continue;
      const frameKey = keyOf(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + delta);
    }
  }
  const pct = (ms) => Math.round((ms / total) * 1000) / 10;
  const describe = (key, ms) => {
    const [name, url, line] = key.split('\u0000');
    return { name, location: url ? `${shortUrl(url)}:${line}` : '', package: packageOf(url, name), ms: Math.round(ms), pct: pct(ms) };
  };
  return {
    totalMs: Math.round(total),
    topPackages: [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([name, ms]) => ({ name, ms: Math.round(ms), pct: pct(ms) })),
    topFunctions: [...self].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([key, ms]) => describe(key, ms)),
    topAppInclusive: [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([key, ms]) => describe(key, ms)),
  };
}

export function profileMarkdown(id, summary) {
  const lines = [`### Profile: ${id} (${summary.totalMs} ms sampled)`, '', 'Self time by package:', '', '| package | ms | % |', '| --- | ---: | ---: |'];
  for (const p of summary.topPackages.slice(0, 15)) lines.push(`| ${p.name} | ${p.ms} | ${p.pct} |`);
  lines.push('', 'Self time by function:', '', '| function | where | ms | % |', '| --- | --- | ---: | ---: |');
  for (const f of summary.topFunctions.slice(0, 25)) lines.push(`| ${f.name} | ${f.location} | ${f.ms} | ${f.pct} |`);
  if (summary.topAppInclusive?.length) {
    lines.push('', "The app's own functions, inclusive time:", '', '| function | where | ms | % |', '| --- | --- | ---: | ---: |');
    for (const f of summary.topAppInclusive.slice(0, 20)) lines.push(`| ${f.name} | ${f.location} | ${f.ms} | ${f.pct} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) process.stdout.write(`${profileMarkdown(file, summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))))}\n`);
}
