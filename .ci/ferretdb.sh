#!/usr/bin/env bash
# Starts a throwaway FerretDB v1 (MongoDB wire protocol over SQLite) for the mongo store
# contract suite, and prints the line to eval:
#
#   eval "$(bash .ci/ferretdb.sh)"     # sets MONGODB_URI, FERRETDB_PID_FILE, FERRETDB_DIR
#   ... run tests ...
#   kill "$(cat "$FERRETDB_PID_FILE")"
#
# Only the export lines go to stdout; progress and errors go to stderr.
set -euo pipefail

FERRETDB_VERSION="v1.24.0"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"

log() { echo "ferretdb.sh: $*" >&2; }

gobin="$(go env GOPATH)/bin"
bin="$gobin/ferretdb"

# A binary built by a plain `go install ...@v1.24.0` panics at start-up: the module zip
# ships an empty build/version/version.txt (FerretDB issue 4001). So the install first
# tries the documented command, and if that fails or yields a binary that cannot print its
# version, it builds from a writable copy of the module source with version.txt filled in.
# `go install` can also fail before building: the Go proxy refuses the module's version list
# that `go install` reads for deprecation notices, while the tagged version downloads fine.
# (The version is captured first: with pipefail, `grep -q` closing the pipe early would
# turn the binary's SIGPIPE into a false "not installed".)
installed_ok() {
  [[ -x "$bin" ]] || return 1
  local version
  version="$("$bin" --version 2>/dev/null)" || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$version"
}

if ! installed_ok; then
  log "installing FerretDB $FERRETDB_VERSION (may take several minutes)"
  GOFLAGS=-mod=mod go install "$FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION" 1>&2 || true
  if ! installed_ok; then
    log "go install did not give a working binary; building from the module source"
    src="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" \
      | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
    build="$(mktemp -d)"
    cp -r "$src/." "$build/"
    chmod -R u+w "$build"
    echo "$FERRETDB_VERSION" > "$build/build/version/version.txt"
    mkdir -p "$gobin"
    (cd "$build" && GOFLAGS=-mod=mod go build -trimpath -o "$bin" ./cmd/ferretdb) >&2
    rm -rf "$build"
  fi
  installed_ok || { log "FerretDB install failed"; exit 1; }
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port="$(free_port)"
debug_port="$(free_port)"
dir="$(mktemp -d -t ferretdb.XXXXXX)"
mkdir -p "$dir/data"

"$bin" \
  --handler=sqlite \
  --sqlite-url="file:$dir/data/" \
  --state-dir="$dir" \
  --listen-addr="127.0.0.1:$port" \
  --debug-addr="127.0.0.1:$debug_port" \
  --telemetry=disable \
  --log-level=warn \
  >"$dir/ferretdb.log" 2>&1 &
pid=$!
echo "$pid" > "$dir/ferretdb.pid"

# Ready when the port accepts a TCP connection (up to 30 s); fail early if it exited.
for _ in $(seq 1 300); do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "FerretDB exited during start-up:"; cat "$dir/ferretdb.log" >&2; exit 1
  fi
  if node -e 'const c=require("net").connect(+process.argv[1],"127.0.0.1");c.on("connect",()=>{c.end();process.exit(0)});c.on("error",()=>process.exit(1))' "$port"; then
    log "FerretDB $FERRETDB_VERSION pid $pid on 127.0.0.1:$port (data in $dir)"
    echo "export MONGODB_URI=mongodb://127.0.0.1:$port/"
    echo "export FERRETDB_PID_FILE=$dir/ferretdb.pid"
    echo "export FERRETDB_DIR=$dir"
    exit 0
  fi
  sleep 0.1
done
log "FerretDB did not accept connections within 30 s"; cat "$dir/ferretdb.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
