#!/bin/sh
# A plan with kernels on AI Engines (atoll map --aie) computes the same integers as the DSP plan of
# the same model: both run on software nodes with the same seeded input, and the outputs are
# byte-identical (and bit-exact against the single-process reference).
# usage: aie_equals_dsp.sh ATOLL MODEL CLUSTER OUTDIR
set -eu
atoll=$1 model=$2 cluster=$3 out=$4
"$atoll" map --model "$model" --cluster "$cluster" --aie -o "$out/aie.plan.json" > "$out/aie.map.txt"
"$atoll" map --model "$model" --cluster "$cluster" -o "$out/dsp.plan.json" > /dev/null
grep -q '"aie": ' "$out/aie.plan.json" || { echo "aie_equals_dsp.sh: no stage on AI Engines"; exit 1; }
if grep -q '"aie": ' "$out/dsp.plan.json"; then echo "aie_equals_dsp.sh: DSP plan uses AI Engines"; exit 1; fi
"$atoll" run --plan "$out/aie.plan.json" --random-input --check -o "$out/aie.npy" | grep 'bit-exact'
"$atoll" run --plan "$out/dsp.plan.json" --random-input -o "$out/dsp.npy" > /dev/null
cmp "$out/aie.npy" "$out/dsp.npy"
echo "aie_equals_dsp.sh: $(grep -c '"aie": ' "$out/aie.plan.json") stages on AI Engines, same output as the DSP plan"
