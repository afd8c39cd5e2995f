import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Router, static as serveStatic } from 'express';
import { ServiceUnavailableError } from '../platform/errors/domain.errors';

/**
 * The GraphiQL bundle that tools/build.mjs writes into dist/graphiql: beside the compiled code when
 * running from dist/ (or a copy of it), else the project's dist/ (running the TypeScript sources, as
 * the tests do).
 */
export function graphiqlAssetsDir(): string {
  const candidates = [join(__dirname, '..', 'graphiql'), join(__dirname, '..', '..', 'dist', 'graphiql')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[candidates.length - 1];
}

/**
 * Everything the page loads comes from this server; the policy says so to the browser, so a
 * dependency that reaches for a CDN fails loudly instead of quietly needing the internet. Monaco
 * injects its styles at run time ('unsafe-inline' for styles only) and uses data: images.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** GraphiQL at /graphiql (development only): an offline GraphQL IDE served from the build. */
export function graphiqlRouter(assetsDir: string = graphiqlAssetsDir()): Router {
  const router = Router();
  router.use('/graphiql', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    if (!existsSync(join(assetsDir, 'index.html'))) {
      next(new ServiceUnavailableError('GraphiQL is not built: run `npm run build` (npm ci and npm start do it).'));
      return;
    }
    next();
  });
  router.get(['/graphiql', '/graphiql/'], (_req, res) => {
    res.sendFile(join(assetsDir, 'index.html'), { headers: { 'Cache-Control': 'no-cache' } });
  });
  router.use('/graphiql', serveStatic(assetsDir, { index: false, maxAge: '1h', dotfiles: 'ignore' }));
  return router;
}
