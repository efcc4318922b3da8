# The Yhteispöytä server image (used by docker-compose.yml for both replicas). Two stages:
# the first builds the server to one JavaScript bundle (scripts/build-server.ts, esbuild),
# the second holds only production dependencies and that bundle, run by plain `node` —
# no TypeScript loader at run time. libsignal and SQLCipher ship prebuilt linux-x64 glibc
# binaries: a Debian base is needed.

# ---- build: every dependency (tsx and esbuild are the root's devDependencies) ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so dependencies are a cached layer of their own (every workspace's,
# which `npm ci` needs to match the lockfile, though only the server's are installed).
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY crypto/package.json crypto/
COPY server/package.json server/
COPY client/agent/package.json client/agent/
COPY client/ui/package.json client/ui/
COPY client/local-api/package.json client/local-api/
COPY admin/package.json admin/
COPY test/package.json test/
COPY test-support/package.json test-support/
RUN npm ci --workspace server --workspace crypto --workspace common --include-workspace-root --no-audit --no-fund
COPY tsconfig.json ./
COPY common/src common/src
COPY crypto/src crypto/src
COPY server/src server/src
COPY scripts/build-server.ts scripts/
RUN npm run build:server

# ---- run: production dependencies and the bundle ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY crypto/package.json crypto/
COPY server/package.json server/
COPY client/agent/package.json client/agent/
COPY client/ui/package.json client/ui/
COPY client/local-api/package.json client/local-api/
COPY admin/package.json admin/
COPY test/package.json test/
COPY test-support/package.json test-support/
# The bundle imports the server's third-party dependencies (native ones included) from here.
RUN npm ci --omit=dev --workspace server --workspace crypto --workspace common --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/server/dist server/dist
# No TypeScript sources and no admin/: the admin tool holds the root and organisation keys
# and runs on the admins' own machines against the server's admin listener (ADMIN_PORT).

# The transparency log key's folder (docker-compose mounts a volume shared by the replicas
# here); the server creates the key on its first start, so the folder must be the node user's.
RUN mkdir -p /var/lib/yhteispoyta && chown node:node /var/lib/yhteispoyta

USER node
# 8787: the public API (reached only through the proxy); 8788: the admin API (ADMIN_PORT).
EXPOSE 8787 8788
# node itself is PID 1, so SIGTERM reaches the server's graceful shutdown.
CMD ["node", "--enable-source-maps", "server/dist/main.mjs"]
