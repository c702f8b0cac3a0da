#!/bin/sh
# The decoder answer of issue 13 item 6 (docs/decoders.md, "The answer"): for Llama-2-7B,
# Llama-3-8B and Llama-2-70B, `atoll explore` on every catalogue board at 1..256 boards (JSON and
# HTML), then two what-if sweeps (JSON) on a copy of data/ with one thing changed: every board's
# off-chip bandwidth x4 (hbm-x4), the switched network hop 1000 ns -> 100 ns (hop-100ns). Then
# scripts/decoder_answer.py turns the JSON into OUT_DIR/answer.md (the tables of the answer) and
# copies each HTML page's latency chart to OUT_DIR/<model>.svg.
#
#   scripts/decoder-answer.sh BUILD_DIR OUT_DIR
#
# Takes some minutes on two cores (most of it Llama-2-70B); every sweep's log is kept in OUT_DIR.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
atoll=$build/atoll
py=/usr/bin/python3
[ -x "$atoll" ] || { echo "$0: no atoll executable in $build" >&2; exit 1; }
mkdir -p "$out"
models="llama-2-7b llama-3-8b llama-2-70b"

sweep() {  # sweep MODEL FORMAT FILE [ATOLL_DATA]
  echo "explore $1 -> $3" >&2
  ATOLL_DATA=${4:-$root/data} "$atoll" explore --model "$root/examples/models/$1.yaml" \
    --fpgas 1..256 --format "$2" -o "$3" > "$3.log"
}

for m in $models; do
  sweep "$m" json "$out/$m.json"
  sweep "$m" html "$out/$m.html"
done
for what in hbm-x4 hop-100ns; do
  rm -rf "$out/data-$what"
  cp -r "$root/data" "$out/data-$what"
  "$py" "$root/scripts/decoder_answer.py" what-if "$what" "$out/data-$what"
  for m in $models; do sweep "$m" json "$out/$m.$what.json" "$out/data-$what"; done
done
"$py" "$root/scripts/decoder_answer.py" answer "$out" $models > "$out/answer.md"
echo "wrote $out/answer.md and the charts $out/*.svg" >&2
