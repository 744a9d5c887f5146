#!/usr/bin/env bash
# Load benchmark: the whole default dataset (data/) into a fresh store, RUNS times.
# Prints the median wall time, quads/s, peak RSS and the store's size on disk, beside a
# baseline run in the same script: Oxigraph's bulk loader reading the same quads as an
# N-Quads dump (what loading costs without the CSV conversion and the checks).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
cargo build --release --quiet
bin=target/release/esco-ld
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run() { # label, args...; prints "seconds rss_kb" and leaves the store in $work/store
  local label=$1; shift
  rm -rf "$work/store"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" load --store "$work/store" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
  cat "$work/time"
}

echo "esco-ld load benchmark: $RUNS runs each, $(nproc) cores"
conv_t=(); conv_m=()
for i in $(seq "$RUNS"); do read -r t m < <(run convert); conv_t+=("$t"); conv_m+=("$m"); done
quads=$("$bin" query --store "$work/store" 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }' | tail -1)
size=$(du -sm "$work/store" | cut -f1)
"$bin" dump --store "$work/store" "$work/all.nq" 2>/dev/null
base_t=()
for i in $(seq "$RUNS"); do read -r t m < <(run baseline "$work/all.nq"); base_t+=("$t"); done

ct=$(printf '%s\n' "${conv_t[@]}" | median)
cm=$(printf '%s\n' "${conv_m[@]}" | sort -n | tail -1)
bt=$(printf '%s\n' "${base_t[@]}" | median)
printf 'default data (CSV zips + crosswalks -> store, checks included):\n'
printf '  median %.1f s (runs: %s), %s quads, %.0f quads/s, peak RSS %.0f MB, store %s MB on disk\n' \
  "$ct" "${conv_t[*]}" "$quads" "$(awk "BEGIN{print $quads/$ct}")" "$(awk "BEGIN{print $cm/1024}")" "$size"
printf 'baseline (bulk load of the same quads from N-Quads, checks included):\n'
printf '  median %.1f s (runs: %s), %.0f quads/s\n' "$bt" "${base_t[*]}" "$(awk "BEGIN{print $quads/$bt}")"
printf 'ratio convert/baseline: %.2f\n' "$(awk "BEGIN{print $ct/$bt}")"
