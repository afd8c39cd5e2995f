// GraphiQL, bundled at build time by tools/build.mjs (esbuild) and served by the app at /graphiql in
// development: every script, style, font and web worker comes from this server, so it works offline.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createRoot } from 'react-dom/client';

/** Monaco's language services run in web workers, bundled next to this script (see tools/build.mjs). */
const WORKERS: Record<string, string> = { json: 'json.worker.js', graphql: 'graphql.worker.js' };
(globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return new Worker(new URL(`./${WORKERS[label] ?? 'editor.worker.js'}`, document.baseURI));
  },
};

const DEFAULT_QUERY = `# Sign in (REST POST /v1/auth/login or the login mutation below), put the access token in the
# Headers tab as {"Authorization": "Bearer <accessToken>"}, then run:
{
  me {
    id
    username
    role
  }
}

# mutation Login {
#   login(username: "admin", password: "...") { accessToken }
# }
`;

const fetcher = createGraphiQLFetcher({ url: new URL('/graphql', window.location.origin).toString() });

createRoot(document.getElementById('graphiql') as HTMLElement).render(
  <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultHeaders={'{\n  "Authorization": "Bearer "\n}'} isHeadersEditorEnabled shouldPersistHeaders={false} />,
);
