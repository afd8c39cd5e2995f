#!/usr/bin/env node
// The build: src/**/*.ts -> dist/**/*.js with swc (the compiler jest already uses, with the same
// .swcrc: legacy decorators and their metadata, which MikroORM and type-graphql read), and GraphiQL
// (web/graphiql) bundled with esbuild into dist/graphiql. Type checking is `npm run typecheck`.
//
// Incremental: a file is compiled only when its source is newer than its output, outputs whose
// source is gone are deleted, and a change of compiler or settings rebuilds everything. So `npm
// start` can run it before every start (prestart) for the price of a few hundred stat calls.
//
//   node tools/build.mjs                 incremental build into dist/
//   node tools/build.mjs --out-dir DIR   into DIR (tests build a private copy)
//   node tools/build.mjs --no-ide        the server only, no GraphiQL bundle
//   node tools/build.mjs --force         everything, whatever is up to date
//   node tools/build.mjs --watch         build, start dist/main.js, rebuild and restart on changes (npm run dev)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const WEB = join(ROOT, 'web', 'graphiql');
const require = createRequire(import.meta.url);

const { values: options } = parseArgs({
  options: {
    'out-dir': { type: 'string', default: join(ROOT, 'dist') },
    'no-ide': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const OUT = resolve(options['out-dir']);
const say = (message) => options.quiet || process.stderr.write(`[build] ${message}\n`);

function filesUnder(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const hash = (...parts) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
const versionOf = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;

/** Outputs made by another compiler, other settings or another version of this script are rebuilt. */
function stampOk(file, stamp) {
  return existsSync(file) && readFileSync(file, 'utf8') === stamp;
}

// ---- the server: swc, file by file ----

const SERVER_STAMP = join(OUT, '.build-stamp');

async function buildServer() {
  const swc = require('@swc/core');
  const swcrc = readFileSync(join(ROOT, '.swcrc'), 'utf8');
  const stamp = hash('server', versionOf('@swc/core'), swcrc, readFileSync(import.meta.filename, 'utf8'));
  const full = options.force || !stampOk(SERVER_STAMP, stamp);
  const sources = filesUnder(SRC, (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  const outputOf = (source) => join(OUT, relative(SRC, source).replace(/\.ts$/, '.js'));

  // Outputs whose source was deleted or renamed would otherwise still be loadable.
  const expected = new Set(sources.map(outputOf));
  for (const output of filesUnder(OUT, (name) => name.endsWith('.js') || name.endsWith('.js.map'))) {
    if (output.startsWith(join(OUT, 'graphiql'))) continue;
    if (!expected.has(output.replace(/\.map$/, ''))) rmSync(output);
  }

  const stale = sources.filter((source) => full || mtime(outputOf(source)) < mtime(source));
  if (stale.length === 0) return 0;
  const config = { ...JSON.parse(swcrc), swcrc: false, sourceMaps: true };
  rmSync(SERVER_STAMP, { force: true });
  await Promise.all(
    stale.map(async (source) => {
      const output = outputOf(source);
      const { code, map } = await swc.transformFile(source, { ...config, filename: source, outputPath: output, sourceFileName: relative(dirname(output), source) });
      mkdirSync(dirname(output), { recursive: true });
      writeFileSync(output, `${code}\n//# sourceMappingURL=${relative(dirname(output), output)}.map\n`);
      writeFileSync(`${output}.map`, map);
    }),
  );
  writeFileSync(SERVER_STAMP, stamp);
  return stale.length;
}

// ---- GraphiQL: one esbuild bundle and Monaco's web workers ----

const IDE_OUT = join(OUT, 'graphiql');
const IDE_STAMP = join(IDE_OUT, '.build-stamp');

function ideStamp() {
  const inputs = filesUnder(WEB, () => true).sort().map((file) => `${relative(WEB, file)}:${mtime(file)}`);
  const versions = ['esbuild', 'graphiql', '@graphiql/react', '@graphiql/toolkit', 'react', 'react-dom'].map((name) => `${name}@${versionOf(name)}`);
  return hash('ide', ...inputs, ...versions, readFileSync(import.meta.filename, 'utf8'));
}

async function buildIde() {
  const stamp = ideStamp();
  if (!options.force && stampOk(IDE_STAMP, stamp)) return false;
  const esbuild = require('esbuild');
  // Monaco and its GraphQL language service are dependencies of @graphiql/react: resolve them from there.
  const fromReact = createRequire(require.resolve('@graphiql/react'));
  const workers = {
    'editor.worker': fromReact.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
    'json.worker': fromReact.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
    'graphql.worker': createRequire(fromReact.resolve('monaco-graphql/package.json')).resolve('monaco-graphql/esm/graphql.worker.js'),
  };
  rmSync(IDE_OUT, { recursive: true, force: true });
  const common = {
    bundle: true,
    minify: true,
    legalComments: 'linked',
    outdir: IDE_OUT,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Monaco's codicon font and any image end up as files served next to the bundle: no CDN, no data: URL.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    assetNames: 'assets/[name]-[hash]',
  };
  await Promise.all([
    esbuild.build({ ...common, entryPoints: { main: join(WEB, 'main.tsx') }, format: 'esm', splitting: false, jsx: 'automatic', tsconfig: join(ROOT, 'web', 'tsconfig.json') }),
    esbuild.build({ ...common, entryPoints: workers, format: 'iife' }),
  ]);
  writeFileSync(join(IDE_OUT, 'index.html'), readFileSync(join(WEB, 'index.html')));
  writeFileSync(IDE_STAMP, stamp);
  return true;
}

async function build() {
  const started = performance.now();
  const [compiled, bundled] = await Promise.all([buildServer(), options['no-ide'] ? false : buildIde()]);
  const ms = Math.round(performance.now() - started);
  if (compiled > 0 || bundled) say(`${compiled} file(s) compiled${bundled ? ', GraphiQL bundled' : ''} into ${relative(process.cwd(), OUT) || '.'} in ${ms} ms`);
}

// ---- watch mode: npm run dev ----

function watchAndServe() {
  let server;
  let exited = Promise.resolve();
  const start = () => {
    server = spawn(process.execPath, ['--enable-source-maps', join(OUT, 'main.js')], { stdio: 'inherit' });
    exited = new Promise((resolveExit) => server.once('exit', resolveExit));
  };
  const restart = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    start();
  };

  let timer;
  let building = Promise.resolve();
  const changed = () => {
    clearTimeout(timer);
    // Editors write a file in several steps; one rebuild per burst of changes.
    timer = setTimeout(() => {
      building = building.then(async () => {
        try {
          await build();
          await restart();
        } catch (error) {
          process.stderr.write(`[build] failed: ${error.message}\n`);
        }
      });
    }, 150);
  };
  watch(SRC, { recursive: true }, changed);
  if (!options['no-ide']) watch(WEB, { recursive: true }, changed);
  const stop = (signal) => {
    if (server) server.kill(signal);
    exited.then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  say('watching src/ and web/: rebuilds and restarts the server on every change (npm run typecheck for types)');
  start();
}

try {
  await build();
} catch (error) {
  process.stderr.write(`[build] failed: ${error.stack ?? error}\n`);
  process.exit(1);
}
if (options.watch) watchAndServe();
