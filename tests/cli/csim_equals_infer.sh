#!/usr/bin/env bash
# csim_equals_infer.sh ATOLL PLAN MODEL DIR [INPUT OPTIONS...]: builds PLAN's bundle into DIR and
# runs its C simulation (atoll build --csim), runs `atoll infer` of MODEL on the same weights
# (synthetic, seed 1) and input, and compares the two .npy files byte for byte. For the CLI tests
# of `atoll build --csim` (tests/cli/build_csim.cmake).
set -eu
atoll=$1 plan=$2 model=$3 dir=$4
shift 4
# The kernels must compile warning-free: the csim Makefile's OPT (from the environment) gets
# -Werror, so this test also stands for "every top.cpp compiles with -Wall -Wextra -Werror
# -fno-exceptions -fno-rtti" on the plans it builds.
export OPT="${OPT:--O2} -Werror"
start=$(date +%s)
"$atoll" build --plan "$plan" --force -o "$dir" --seed 1 --csim --csim-output "$dir.csim.npy" "$@" >/dev/null
built=$(date +%s)
"$atoll" infer --model "$model" --seed 1 --no-float-check -o "$dir.infer.npy" "$@" >/dev/null
if cmp "$dir.csim.npy" "$dir.infer.npy"; then
  echo "csim equals atoll infer: $(stat -c %s "$dir.csim.npy") bytes ($((built - start)) s to build and simulate)"
else
  echo "csim differs from atoll infer"
  exit 1
fi
