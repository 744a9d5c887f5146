#!/usr/bin/env bash
# Matching benchmark: the in-process figures (bench/matching.rs: embedding throughput, side-index
# build and restart, match latency, HNSW vs exact search and recall@10), then one title over
# HTTP: `esco-ld serve` on the same store, GET /api/match with O*NET titles in rotation, one
# connection (latency p50/p99) and four (throughput), driven by wrk from a second process.
# Needs the model (`esco-ld model install`); BENCH_STORE reuses a loaded store.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}; PORT=${PORT:-18090}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/esco-ld
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
store=${BENCH_STORE:-$work/store}  # BENCH_SCOPE (e.g. occupations-es) narrows the model's index
[ -f "$store/CURRENT" ] || "$bin" load --store "$store" >/dev/null

cargo bench --quiet --bench matching -- "$store"

tail -n +2 data/crosswalks/onet/onet-occupation-data.txt | cut -f2 | head -300 \
  | python3 -c 'import sys, urllib.parse; [print("/api/match?k=10&text=" + urllib.parse.quote(l.strip())) for l in sys.stdin]' \
  > "$work/paths"
cat > "$work/get.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
export PATHS=$work/paths
# The service with the installed model (method hybrid), then with the shipped static model as
# its only model (method fast: the first stage alone).
# (With BENCH_SCOPE the model's index is not the service's, so only the static model is served.)
methods="hybrid fast"; [ -n "${BENCH_SCOPE:-}" ] && methods=fast
for method in $methods; do
  flags=()
  [ "$method" = fast ] && flags=(--model data/models/m2v-me5-tiny)
  "$bin" serve --store "$store" --bind "127.0.0.1:$PORT" "${flags[@]}" >"$work/serve-$method.log" 2>&1 &
  pid=$!
  # Ready when /api/match answers with that method and nothing is being embedded.
  for _ in $(seq 900); do
    body=$(curl -s "http://127.0.0.1:$PORT/api/match?text=nurse" || true)
    grep -q "\"method\":\"$method\"" <<<"$body" && ! grep -q '"note"' <<<"$body" && break
    sleep 1
  done
  for conns in 1 4; do
    out=$(wrk -t1 -c"$conns" -d"$DURATION" --latency -s "$work/get.lua" "http://127.0.0.1:$PORT")
    p50=$(awk '/Latency Distribution/{f=1} f && $1=="50%"{print $2; exit}' <<<"$out")
    p99=$(awk '/Latency Distribution/{f=1} f && $1=="99%"{print $2; exit}' <<<"$out")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    printf 'match one title over HTTP, %-6s %d conn   p50 %8s  p99 %8s  %8s req/s\n' "$method" "$conns" "$p50" "$p99" "$rps"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
