#!/usr/bin/env bash
# golden_kernels.sh ATOLL GOLDEN MODEL CLUSTER KNOBS OUT: every generated compute kernel of a plan
# of MODEL (two I-BERT-base layers) run alone on the golden data of its layer
# (atoll build --verify-golden), and the whole bundle's C simulation compared with atoll infer on
# the same weights (8 tokens). The weights: a synthetic model with every file of the golden set
# copied over it (the golden set lacks the FFN weights, which stay synthetic).
set -euo pipefail
atoll=$1 golden=$2 model=$3 cluster=$4 knobs=$5 out=$6
rm -rf "$out"
mkdir -p "$out"
"$atoll" map --model "$model" --cluster "$cluster" --knobs "$knobs" -o "$out/plan.json" >/dev/null
"$atoll" infer --model "$model" --random-input --tokens 1 --no-float-check \
  --save-weights "$out/weights" -o "$out/unused.npy" >/dev/null
cp -r "$golden/encoder" "$out/weights/"
rm -f "$out/weights/scales.json"  # the synthetic model's float scales; the golden ones are unknown
"$atoll" build --plan "$out/plan.json" --weights "$out/weights" -o "$out/bundle" \
  --verify-golden "$golden" --csim --random-input --tokens 8 --csim-output "$out/csim.npy" |
  grep '^golden: [0-9]* kernels'
"$atoll" infer --model "$model" --weights "$out/weights" --random-input --tokens 8 \
  --no-float-check -o "$out/infer.npy" >/dev/null
cmp "$out/csim.npy" "$out/infer.npy" && echo "csim equals atoll infer on these weights"
