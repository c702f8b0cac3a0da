#!/usr/bin/env bash
# Runs every benchmark program in BUILD_DIR/bench, PyTorch's dynamic-int8 BERT-base and its
# TinyLlama-shaped decoder (int8 and fp32) in the same run, then prints ratios (bench/ratios.py):
# our I-BERT-base forward vs PyTorch, the linears vs the measured int8 GEMM peak, peak memory,
# fast kernels vs their definitions, batch-1 decoding vs the measured memory bandwidth and vs
# PyTorch, and the counters the other benchmarks report. Raw JSON is kept in
# BUILD_DIR/bench/results/.
#
# Usage: bench/run.sh BUILD_DIR          (make bench calls it after building)
set -euo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}  # Debian's python3, where python3-torch is installed
results="$build/bench/results"
mkdir -p "$results"
rm -f "$results"/*.json

# Both sides get the same threads: the target machine has 2 cores. Idle OpenMP threads sleep
# instead of spinning: on a shared 2-core box spinning threads steal the time slices of the
# working ones (measured: 4.7 s instead of 0.09 s per forward at load 8, for us and for PyTorch).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

run() {  # run NAME EXE ARGS...: one Google Benchmark program, JSON into results/NAME.json
  local name=$1 exe=$2
  shift 2
  echo "== $name"
  "$exe" --benchmark_out="$results/$name.json" --benchmark_out_format=json "$@"
}

for exe in "$build"/bench/*_bench; do
  [[ -x "$exe" ]] || continue
  name=$(basename "$exe")
  if [[ "$name" == kernels_bench ]]; then
    # The forward alone first: its peak RSS is then the forward's, not the other benchmarks'.
    run kernels_forward "$exe" --benchmark_filter='^BM_Forward' --benchmark_repetitions=3
    run kernels_bench "$exe" --benchmark_filter='-^BM_Forward'
  elif [[ "$name" == decoder_bench ]]; then
    # Memory bandwidth before and after the decodes (the bound takes the best); each decode in a
    # process of its own, so its peak RSS is its model's.
    run decoder_bandwidth_before "$exe" --benchmark_filter='^BM_MemoryReadBandwidth'
    # Three repetitions each: ratios.py takes the median (single runs swing on a loaded machine).
    run decoder_decode "$exe" --benchmark_filter='^BM_DecodeProductsOnly' --benchmark_repetitions=3
    run decoder_int "$exe" --benchmark_filter='^BM_DecodeIntDecoder' --benchmark_repetitions=3
    run decoder_bandwidth_after "$exe" --benchmark_filter='^BM_MemoryReadBandwidth'
    run decoder_products "$exe" --benchmark_filter='^BM_Product'
  else
    run "$name" "$exe"
  fi
done

echo "== pytorch_bert.py (dynamic int8, ${OMP_NUM_THREADS} threads)"
if ! "$python" "$here/pytorch_bert.py" --threads "$OMP_NUM_THREADS" --runs 20 >"$results/pytorch.json"; then
  rm -f "$results/pytorch.json"
  echo "pytorch_bert.py failed (python3-torch missing? scripts/install-deps.sh --bench); no speed-up"
fi
cat "$results/pytorch.json" 2>/dev/null || true

echo "== pytorch_decoder.py (TinyLlama-1.1B shape, int8 and fp32, ${OMP_NUM_THREADS} threads)"
if ! "$python" "$here/pytorch_decoder.py" --threads "$OMP_NUM_THREADS" --tokens 10 \
  >"$results/pytorch_decoder.json"; then
  rm -f "$results/pytorch_decoder.json"
  echo "pytorch_decoder.py failed (python3-torch missing? scripts/install-deps.sh --bench)"
fi
cat "$results/pytorch_decoder.json" 2>/dev/null || true

echo
"$python" "$here/ratios.py" "$results"
