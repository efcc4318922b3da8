#!/usr/bin/env bash
# A self-signed TLS certificate for the proxy of docker-compose.yml, for local use only:
# deploy/tls/cert.pem and key.pem (a P-256 key, valid 365 days, the host name and
# 127.0.0.1 as subject alternative names). In production put the certificate and key of
# your own CA (or ACME) in deploy/tls/ instead. Agents trust this one with
#   NODE_EXTRA_CA_CERTS=deploy/tls/cert.pem npm run agent -- --server https://HOST ...
#
#   bash scripts/self-signed-tls.sh [host] [dir]   (default: localhost, <repo>/deploy/tls)
set -euo pipefail
host="${1:-localhost}"
dir="${2:-$(cd "$(dirname "$0")/.." && pwd)/deploy/tls}"
if ! [[ "$host" =~ ^[A-Za-z0-9.-]+$ ]]; then
  echo "not a host name: $host" >&2
  exit 2
fi
mkdir -p "$dir"
if [ -e "$dir/cert.pem" ] || [ -e "$dir/key.pem" ]; then
  echo "$dir already holds a certificate or key: kept (remove them to make new ones)" >&2
  exit 1
fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=$host" -addext "subjectAltName=DNS:$host,IP:127.0.0.1" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
# nginx's workers read the key as root-started master; the certificate is public.
chmod 644 "$dir/cert.pem"
echo "wrote $dir/cert.pem and $dir/key.pem (self-signed for $host: local use only)"
