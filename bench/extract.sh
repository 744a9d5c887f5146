#!/usr/bin/env bash
# Extraction benchmark on the full default data (BENCH_STORE reuses a loaded store):
#   - ads: ADS (JSONL with id, title, text), else 24 ads of about 290 words made of the dev-set
#     sentences (../shared/data/skill-extraction, TECH and HOUSE validation: a title, then the
#     sentences as requirement bullets); no real ad corpus is shipped;
#   - in process (bench/extract.rs): set-up of the skill side (first build, restart), one ad end
#     to end p50/p99 lexical, fast and with the model (pieces one by one, the baseline, and
#     batched), peak memory;
#   - over HTTP: `esco-ld serve`, each ad POSTed to /api/extract three times in sequence
#     (curl's total time), lexical (--no-model) and fast (the static model as the only model);
#   - batch: `esco-ld extract --input --output` over the ads BATCH_REPEAT times (default 2),
#     without and with the model: ads/s, 10,000 ads projected, peak RSS (/usr/bin/time -v).
# With the model its side-index covers the labels of BENCH_ESCO_LANGUAGE (default en).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18095}; lang=${BENCH_ESCO_LANGUAGE:-en}; repeat=${BATCH_REPEAT:-2}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/esco-ld
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
store=${BENCH_STORE:-$work/store}
[ -f "$store/CURRENT" ] || "$bin" load --store "$store" >/dev/null
ads=${ADS:-$work/ads.jsonl}
if [ ! -f "$ads" ]; then
  python3 - "$ads" ../shared/data/skill-extraction/{tech,house}_validation.tsv <<'PY'
import json, sys
out, *files = sys.argv[1:]
sentences = []
for f in files:
    with open(f) as h:
        next(h)
        sentences += [l.split("\t")[1].strip() for l in h if l.count("\t") >= 2]
titles = ["Software Developer", "Data Engineer", "Registered Nurse", "Warehouse Operative",
          "Accountant", "Sales Manager", "Chef", "Electrician"]
i = 0
with open(out, "w") as h:
    for n in range(24):
        bullets, words = [], 0
        while words < 290:
            s = sentences[i % len(sentences)]; i += 1
            bullets.append("- " + s); words += len(s.split())
        text = "About the role\n" + "\n".join(bullets)
        h.write(json.dumps({"id": f"ad{n}", "title": titles[n % len(titles)], "text": text}) + "\n")
PY
fi

BENCH_ESCO_LANGUAGE=$lang cargo bench --quiet --bench extract -- "$store" "$ads"

# Over HTTP, one request at a time.
python3 - "$ads" "$work/bodies" <<'PY'
import json, os, sys
os.makedirs(sys.argv[2])
for n, l in enumerate(open(sys.argv[1])):
    ad = json.loads(l)
    json.dump({"title": ad.get("title"), "text": ad["text"]}, open(f"{sys.argv[2]}/{n:04}.json", "w"))
PY
for method in lexical fast; do
  flags=(--no-model); [ "$method" = fast ] && flags=(--model data/models/m2v-me5-tiny)
  "$bin" serve --store "$store" --bind "127.0.0.1:$PORT" "${flags[@]}" >"$work/serve-$method.log" 2>&1 &
  pid=$!
  body=$(ls "$work/bodies"/* | head -1)
  for _ in $(seq 600); do
    curl -s -H 'Content-Type: application/json' --data-binary "@$body" "http://127.0.0.1:$PORT/api/extract" \
      | grep -q "\"method\":\"$method\"" && break
    sleep 1
  done
  : > "$work/times"
  for _ in 1 2 3; do
    for body in "$work/bodies"/*; do
      curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
        --data-binary "@$body" "http://127.0.0.1:$PORT/api/extract" >> "$work/times"
    done
  done
  awk -v m="$method" '$1 != 200 {bad++} {print $2 * 1000}
    END {if (bad) print "non-200 answers: " bad > "/dev/stderr"}' "$work/times" | sort -n > "$work/sorted"
  n=$(wc -l < "$work/sorted")
  p50=$(sed -n "$(( (n - 1) / 2 + 1 ))p" "$work/sorted"); p99=$(sed -n "$(( (n - 1) * 99 / 100 + 1 ))p" "$work/sorted")
  printf 'over HTTP, %-7s one ad             p50 %7.1f ms  p99 %7.1f ms  (%d requests)\n' "$method" "$p50" "$p99" "$n"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

# The batch job.
for _ in $(seq "$repeat"); do cat "$ads"; done | awk '{sub(/"id": "/, "\"id\": \"" NR "-"); print}' > "$work/batch.jsonl"
total=$(wc -l < "$work/batch.jsonl")
for method in lexical hybrid; do
  flags=(--no-model); [ "$method" = hybrid ] && flags=()
  [ "$lang" != all ] && flags+=(--esco-language "$lang")
  rm -f "$work/out.jsonl"
  /usr/bin/time -v "$bin" extract --store "$store" "${flags[@]}" --input "$work/batch.jsonl" \
    --output "$work/out.jsonl" 2> "$work/time-$method" > /dev/null
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/time-$method")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2 / 1024}' "$work/time-$method")
  awk -v m="$method" -v n="$total" -v w="$wall" -v r="$rss" 'BEGIN {
    printf "batch, %-7s %d ads in %.1f s        %.2f ads/s, 10,000 ads in %.0f min, peak RSS %.0f MB\n", m, n, w, n / w, 10000 / (n / w) / 60, r }'
done
