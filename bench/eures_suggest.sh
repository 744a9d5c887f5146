#!/usr/bin/env bash
# Time `esco-ld map suggest` over each of the four EURES national tables shipped in data/:
# a project per table whose source scheme is the table's national classification (already in
# the store as the crosswalk's foreign scheme), target ESCO occupations, k=10.
#
#   bench/eures_suggest.sh            # hybrid when a model is installed, else lexical
#   NO_MODEL=1 bench/eures_suggest.sh # lexical only
#   STORE=/tmp/eures-store            # the store (made from data/ when missing)
#   MODEL=DIR                         # a model folder other than the default
#   COUNTRIES="LV"                    # a subset of LV ES SE IT
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/esco-ld}
STORE=${STORE:-/tmp/eures-store}
MODEL_FLAG=()
[ -n "${NO_MODEL:-}" ] && MODEL_FLAG=(--no-model)
[ -n "${MODEL:-}" ] && MODEL_FLAG=(--model "$MODEL")
[ -x "$BIN" ] || cargo build --release
[ -d "$STORE" ] || "$BIN" load --store "$STORE" >/dev/null
"$BIN" crosswalk list --store "$STORE" --json > /tmp/eures-crosswalks.json
for country in ${COUNTRIES:-LV ES SE IT}; do
  read -r scheme lang < <(python3 - "$country" <<'PY'
import json, sys
country = sys.argv[1]
for c in json.load(open("/tmp/eures-crosswalks.json")):
    if c["source"].upper().startswith(country + "_"):
        scheme = c["objects_target"] if "/classification/" in c["objects_target"] else c["subjects_target"]
        print(scheme, country.lower().replace("se", "sv"))
        break
PY
)
  id="eures-${country,,}${NO_MODEL:+-lexical}"
  if ! "$BIN" map status "$id" --store "$STORE" >/dev/null 2>&1; then
    "$BIN" map create "$id" --store "$STORE" --scheme "$scheme" --language "$lang" \
      --title "EURES $country → ESCO" -k 10 2>/dev/null
  fi
  start=$(date +%s.%N)
  report=$("$BIN" map suggest "$id" --store "$STORE" "${MODEL_FLAG[@]}" --json 2>/dev/null)
  end=$(date +%s.%N)
  python3 - "$country" "$start" "$end" "$report" <<'PY'
import json, sys
country, start, end, report = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
print(f"{country}: {report['sources']} source concepts, {report['candidates']} candidates, "
      f"{report['method']}: matching {report['match_seconds']:.1f} s ({report['per_second']:.1f}/s), "
      f"suggest {report['seconds']:.1f} s, whole command (store open, indexes, model) {float(end) - float(start):.1f} s")
PY
done
