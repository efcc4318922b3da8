#!/usr/bin/env bash
# Secrets of docker-compose.yml, made once: `.env` (the admin token and the MongoDB and Redis
# passwords, which compose reads) and the MongoDB replica set's keyfile. Nothing existing is
# overwritten. Values are hex so they need no escaping inside the connection URLs.
#
#   bash scripts/deploy-secrets.sh [dir]     (default: the repository root; the keyfile goes
#                                             to <dir>/deploy/secrets/mongo-keyfile)
set -euo pipefail
dir="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
umask 077
mkdir -p "$dir"

env_file="$dir/.env"
if [ -e "$env_file" ]; then
  echo "$env_file exists: kept"
else
  {
    echo "# docker-compose.yml secrets (scripts/deploy-secrets.sh). Keep this file private."
    echo "ADMIN_TOKEN=$(openssl rand -hex 24)"
    echo "MONGO_ROOT_PASSWORD=$(openssl rand -hex 24)"
    echo "MONGO_APP_PASSWORD=$(openssl rand -hex 24)"
    echo "REDIS_PASSWORD=$(openssl rand -hex 24)"
  } > "$env_file"
  echo "wrote $env_file"
fi

keyfile="$dir/deploy/secrets/mongo-keyfile"
if [ -e "$keyfile" ]; then
  echo "$keyfile exists: kept"
else
  mkdir -p "$(dirname "$keyfile")"
  # MongoDB wants 6..1024 base64 characters; the container copies it with mode 400.
  openssl rand -base64 756 | tr -d '\n' > "$keyfile"
  echo "wrote $keyfile"
fi
