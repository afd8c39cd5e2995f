# syntax=docker/dockerfile:1
#
# User Management API image.
#   build:   docker build -t user-management-api .
#   serve:   docker run -e JWT_SECRET=... -e MFA_ENCRYPTION_KEY=... -e DATABASE_URL=... -e REDIS_URL=... -p 8000:8000 user-management-api
#   migrate: docker run --rm -e JWT_SECRET=... -e MFA_ENCRYPTION_KEY=... -e DATABASE_URL=... user-management-api node dist/scripts/migrate.js
#            (NODE_ENV=production, so JWT_SECRET is required by the config check even for migrations)
ARG NODE_IMAGE=node:24-bookworm-slim

# No compiler stage: on Node 24 argon2's prebuilt binary (Node-API 10) loads as shipped, and no other
# dependency needs its install script (package.json's allowScripts denies them all, each with its
# reason), so every npm ci here runs with --ignore-scripts. The image's own Node runs everything;
# the node-linux-* packages (optional dependencies) are for machines without Node 24 and stay out.

# ---- build: all dependencies, compile TypeScript to dist/ (swc; the server only, no GraphiQL) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies included: swc's compiler binary is one (of @swc/core).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY .swcrc ./
COPY tools ./tools
COPY src ./src
RUN node tools/build.mjs --no-ide

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The optional dependencies are the embedded PostgreSQL's binaries and the node-linux-* runtimes: the
# image has its own Node and always a DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# Stack traces point into src/ (dist/ carries swc's source maps), for the server and the scripts alike.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Files stay owned by root and read-only to the app user: the process never writes to its own tree,
# which also lets Kubernetes run it with readOnlyRootFilesystem.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The official image's unprivileged "node" user (uid/gid 1000).
USER node
EXPOSE 8000
# Liveness only (/health has no dependencies); node's built-in fetch, since slim images have no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.js handles SIGTERM itself (drains in-flight requests, closes the pools), so node runs as PID 1.
CMD ["node", "dist/main.js"]
