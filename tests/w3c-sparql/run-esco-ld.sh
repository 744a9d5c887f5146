#!/usr/bin/env bash
# The W3C SPARQL 1.1 test suites (protocol, service description, query, update, graph store)
# against esco-ld on a scratch store: builds the binary, loads the fixture into a temporary
# store (the evaluation groups wipe it), serves it with updates on and the store's own default
# graph as the default graph (what the suites expect), and runs ./run.sh, which installs the npm
# runner rdf-test-suite (from the npm registry) into $KIT_HOME the first time.
# usage: bash tests/w3c-sparql/run-esco-ld.sh     (prints one "group: passed/total" line per group)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
cargo build --release --quiet
bin=$PWD/target/release/esco-ld
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
token=w3c-sparql-suite-admin-token
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$bin" load --store "$work/store" --release 1.1.1 tests/fixtures/esco >/dev/null
"$bin" serve --store "$work/store" --bind "127.0.0.1:$port" --admin-token "$token" \
  --no-union-default-graph --no-model 2>"$work/serve.log" &
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.2
done
base="http://127.0.0.1:$port"
bash "$here/run.sh" "$base/sparql" "$base/update" "Bearer $token" "$base/store"
