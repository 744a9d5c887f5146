#!/usr/bin/env bash
# Service benchmark: starts `esco-ld serve` on the full default data and drives it from a second
# process (wrk, installed from Debian if missing) on loopback:
#   - concept dereference over 1,000 random occupations and skills: first each page once, in
#     sequence (uncached: first renderings), then HTML and Turtle under load (the page cache);
#   - a fixed SPARQL mix (queries/example-*.rq: label lookup, an occupation's skills, the
#     broader-transitive hierarchy, COUNT by scheme).
# Prints p50/p99 latency and requests/s per scenario; for the SPARQL mix the same figures for
# `oxigraph serve` (the oxigraph-cli crate; `cargo install oxigraph-cli` puts it on PATH) on
# the same store, run in this script as the baseline, when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}; CONNECTIONS=${CONNECTIONS:-16}; PORT=${PORT:-18080}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/esco-ld
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
store=${BENCH_STORE:-$work/store}
[ -f "$store/CURRENT" ] || "$bin" load --store "$store" >/dev/null

"$bin" query --store "$store" 'PREFIX esco: <http://data.europa.eu/esco/model#>
SELECT ?c WHERE { { ?c a esco:Occupation } UNION { ?c a esco:Skill } }' \
  | tail -n +2 | shuf -n 1000 --random-source=<(yes) | sed -e 's|<http://data.europa.eu/esco/|/esco/|' -e 's|>$||' > "$work/paths"
cat > "$work/get.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept"] = os.getenv("ACCEPT") })
end
LUA
cat > "$work/sparql.lua" <<'LUA'
local bodies = {}
for f in string.gmatch(os.getenv("QUERIES"), "%S+") do
  local h = io.open(f); bodies[#bodies + 1] = h:read("*a"); h:close()
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", os.getenv("SPARQL_PATH"), { ["Content-Type"] = "application/sparql-query", ["Accept"] = "application/sparql-results+json" }, bodies[i])
end
LUA
export PATHS=$work/paths QUERIES="$(ls queries/example-*.rq | tr '\n' ' ')"

measure() { # label url-base lua [accept]
  local out; out=$(ACCEPT=${4:-} wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2")
  local p50 p99 rps
  p50=$(awk '/Latency Distribution/{f=1} f && $1=="50%"{print $2; exit}' <<<"$out")
  p99=$(awk '/Latency Distribution/{f=1} f && $1=="99%"{print $2; exit}' <<<"$out")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  local errors; errors=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  printf '%-34s p50 %8s  p99 %8s  %10s req/s%s\n' "$1" "$p50" "$p99" "$rps" "${errors:+  ($errors non-2xx)}"
  echo "$rps" > "$work/last"
}

wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "server did not start"; exit 1; }

"$bin" serve --store "$store" --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 & pid=$!
wait_up "http://127.0.0.1:$PORT/"
echo "esco-ld serve, $(nproc) cores, wrk -t2 -c$CONNECTIONS -d$DURATION, $(wc -l <"$work/paths") concepts"
curl -s -o /dev/null "http://127.0.0.1:$PORT/esco/isco/C2"   # warm
# Uncached: every page requested exactly once, one connection, in sequence (curl's own
# timing per request); these are first renderings, nothing from the page cache.
uncached() { # label accept
  local args=() u
  while read -r u; do args+=(-o /dev/null "http://127.0.0.1:$PORT$u"); done < "$PATHS"
  curl -s -H "Accept: $2" -w '%{time_total}\n' "${args[@]}" | sort -n | awk -v l="$1" \
    '{v[NR]=$1} END {printf "%-34s p50 %7.2fms  p99 %7.2fms  max %7.2fms  (%d pages)\n", l, v[int(NR*0.5)]*1000, v[int(NR*0.99)]*1000, v[NR]*1000, NR}'
}
uncached "concept HTML (uncached, 1 conn)" "text/html"
uncached "concept Turtle (uncached, 1 conn)" "text/turtle"
uncached "concept JSON-LD (uncached, 1 conn)" "application/ld+json"
# Under load, from the page cache the runs above filled.
measure "concept HTML (warm)" "http://127.0.0.1:$PORT" "$work/get.lua" "text/html"
measure "concept Turtle (warm)" "http://127.0.0.1:$PORT" "$work/get.lua" "text/turtle"
SPARQL_PATH=/sparql measure "SPARQL mix (esco-ld)" "http://127.0.0.1:$PORT" "$work/sparql.lua"
ours=$(cat "$work/last")
kill "$pid"; wait "$pid" 2>/dev/null || true

if command -v oxigraph >/dev/null; then
  oxigraph serve-read-only --location "$store" --bind "127.0.0.1:$PORT" --union-default-graph >"$work/oxigraph.log" 2>&1 & pid=$!
  wait_up "http://127.0.0.1:$PORT/"
  SPARQL_PATH=/query measure "SPARQL mix (oxigraph serve)" "http://127.0.0.1:$PORT" "$work/sparql.lua"
  base=$(cat "$work/last")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf 'SPARQL mix throughput esco-ld / oxigraph serve: %.2f\n' "$(awk "BEGIN{print $ours/$base}")"
else
  echo "baseline skipped: no oxigraph on PATH (cargo install oxigraph-cli)"
fi
