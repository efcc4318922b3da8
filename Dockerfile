# The Yhteispöytä server image (used by docker-compose.yml for both replicas). The
# server runs from its TypeScript sources under tsx, exactly as `npm run server` does.
# libsignal and SQLCipher ship prebuilt linux-x64 glibc binaries: a Debian base is needed.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Manifests first, so dependencies are a cached layer of their own (every workspace's,
# which `npm ci` needs to match the lockfile, though only the server's are installed).
COPY package.json package-lock.json ./
COPY crypto/package.json crypto/
COPY server/package.json server/
COPY client/agent/package.json client/agent/
COPY client/ui/package.json client/ui/
COPY admin/package.json admin/
COPY test/package.json test/
# The server's and the protocol core's dependencies, and the root's tools (tsx).
RUN npm ci --workspace server --workspace crypto --include-workspace-root --no-audit --no-fund \
  && npm cache clean --force

COPY tsconfig.json ./
COPY crypto/src crypto/src
COPY server/src server/src
# No admin/ sources: the admin tool holds the root and organisation keys and runs on the
# admins' own machines against the server's admin API, never inside the server's image.

# The transparency log key's folder (docker-compose mounts a volume shared by the replicas
# here); the server creates the key on its first start, so the folder must be the node user's.
RUN mkdir -p /var/lib/yhteispoyta && chown node:node /var/lib/yhteispoyta

USER node
EXPOSE 8787
# node itself is PID 1, so SIGTERM reaches the server's graceful shutdown.
CMD ["node", "--import", "tsx", "server/src/main.ts"]
