#!/usr/bin/env bash
# Label search benchmark: the in-process figures (bench/search.rs: index build and restart,
# search and autocomplete latency and throughput beside the SPARQL CONTAINS/REGEX label search
# as the baseline), then over HTTP: `esco-ld serve` on the same store, GET /api/suggest and
# /api/search with real English labels in rotation (prefixes of 3-6 letters for suggest), one
# connection (latency p50/p99) and four (throughput), driven by wrk from a second process.
# BENCH_STORE reuses a loaded store.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}; PORT=${PORT:-18091}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/esco-ld
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
store=${BENCH_STORE:-$work/store}
[ -f "$store/CURRENT" ] || "$bin" load --store "$store" >/dev/null

[ -n "${HTTP_ONLY:-}" ] || cargo bench --quiet --bench search -- "$store"

# Real labels: English occupation and skill preferred labels from the shipped CSVs' store.
"$bin" query --store "$store" --format tsv \
  'SELECT ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = "en") } LIMIT 2000' \
  | tail -n +2 | sed -e 's/^"//' -e 's/"@en$//' > "$work/labels"
python3 - "$work" <<'PY'
import sys, urllib.parse
work = sys.argv[1]
labels = [l.strip() for l in open(f"{work}/labels") if l.strip()][::4][:400]
with open(f"{work}/suggest", "w") as out:
    for i, l in enumerate(labels):
        out.write("/api/suggest?language=en&text=" + urllib.parse.quote(l[: 3 + i % 4]) + "\n")
with open(f"{work}/search", "w") as out:
    for l in labels:
        out.write("/api/search?language=en&limit=10&text=" + urllib.parse.quote(l) + "\n")
PY
cat > "$work/get.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
"$bin" serve --store "$store" --bind "127.0.0.1:$PORT" --no-model >"$work/serve.log" 2>&1 &
# Measure once the service is idle: the label index in step and the (lexical) matcher built.
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$PORT/api/suggest?text=nurse" >/dev/null \
    && curl -sf "http://127.0.0.1:$PORT/api/match?text=nurse" >/dev/null && break
  sleep 1
done
# Measure a settled service: the first seconds after start carry background work (the store
# opened for writing, the matcher and caches built) that shows in the tail on 2 cores.
sleep "${SETTLE:-30}"
echo
for kind in suggest search; do
  export PATHS=$work/$kind
  for conns in 1 4; do
    out=$(wrk -t1 -c"$conns" -d"$DURATION" --latency -s "$work/get.lua" "http://127.0.0.1:$PORT")
    p50=$(awk '/Latency Distribution/{f=1} f && $1=="50%"{print $2; exit}' <<<"$out")
    p99=$(awk '/Latency Distribution/{f=1} f && $1=="99%"{print $2; exit}' <<<"$out")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    printf '/api/%-8s over HTTP, %d conn   p50 %8s  p99 %8s  %8s req/s\n' "$kind" "$conns" "$p50" "$p99" "$rps"
  done
done
