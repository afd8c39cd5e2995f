# syntax=docker/dockerfile:1
#
# User Management API image.
#   build:   docker build -t user-management-api .
#   serve:   docker run -e JWT_SECRET=... -e DATABASE_URL=... -e REDIS_URL=... -p 8000:8000 user-management-api
#   migrate: docker run --rm -e JWT_SECRET=... -e DATABASE_URL=... user-management-api node dist/scripts/migrate.js
#            (NODE_ENV=production, so JWT_SECRET is required by the config check even for migrations)
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- toolchain: what `npm ci` needs to compile argon2 ----
# argon2 0.45's prebuilt binaries declare Node-API 10, which Node 20 lacks (it has 9): loading them
# crashes, so its install step falls back to compiling from source with node-gyp. Only the install
# stages get a compiler; the runtime stage copies the compiled node_modules and has none.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Compile against the image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only ----
FROM toolchain AS deps
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The only optional dependencies are the embedded PostgreSQL's binaries (about 60 MB): the image always has DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
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
