import { Router } from 'express';
import { packageInfo } from '../platform/package-info';

export interface IndexLink {
  rel: string;
  href: string;
  title: string;
}

export interface IndexOptions {
  /** Development: the IDEs are served and browsers get an HTML page. */
  development: boolean;
  /** Apollo Sandbox is offered at /graphql (development with introspection). */
  sandbox: boolean;
}

/** What this instance serves, for a person or a client starting from `/`. */
export function indexLinks({ development, sandbox }: IndexOptions): IndexLink[] {
  return [
    { rel: 'graphql', href: '/graphql', title: sandbox ? 'GraphQL endpoint; in a browser, Apollo Sandbox (loaded from the internet)' : 'GraphQL endpoint (POST)' },
    ...(development ? [{ rel: 'graphiql', href: '/graphiql', title: 'GraphiQL, served by this app: works offline' }] : []),
    { rel: 'docs', href: '/docs', title: 'REST reference (Swagger UI)' },
    { rel: 'openapi', href: '/openapi.json', title: 'OpenAPI 3.1 document of the REST routes' },
    { rel: 'rest', href: '/v1', title: 'REST routes for older clients: /v1/users, /v1/auth, /v1/audit-logs' },
    { rel: 'health', href: '/health', title: 'Liveness' },
    { rel: 'ready', href: '/ready', title: 'Readiness: PostgreSQL and Redis answer' },
  ];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(links: IndexLink[]): string {
  const items = links.map((link) => `    <li><a href="${escapeHtml(link.href)}">${escapeHtml(link.href)}</a> ${escapeHtml(link.title)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>User Management API</title>
</head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; line-height: 1.6">
  <h1>User Management API <small>${escapeHtml(packageInfo.version)}</small></h1>
  <p>GraphQL first, REST <code>/v1</code> for older clients. Sign in with <code>POST /v1/auth/login</code> or the <code>login</code> mutation, then send <code>Authorization: Bearer &lt;accessToken&gt;</code>.</p>
  <ul>
${items}
  </ul>
  <p>This page is served in development only; API clients asking for JSON get the same links.</p>
</body>
</html>
`;
}

/**
 * GET / : the same links as JSON for API clients (curl's Accept: *\/* included) and, in development,
 * as a small HTML page for browsers (content negotiation, Vary: Accept). Production answers JSON only.
 */
export function indexRouter(options: IndexOptions): Router {
  const router = Router();
  const links = indexLinks(options);
  const json = { name: packageInfo.name, version: packageInfo.version, links };
  const html = page(links);
  router.get('/', (req, res) => {
    res.vary('Accept');
    if (options.development && req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(html);
      return;
    }
    res.json(json);
  });
  return router;
}
