#!/usr/bin/env bash
# The `atoll explore` benchmark of issue 14: BERT-base (examples/models/ibert-base.yaml) over
# 4 boards x 8 cluster sizes (1..128 boards; the VCK5000 also with AI Engines: 40 combinations),
# mapped and simulated on the machine's cores. Target: <= 60 s on a 2-core machine. Prints the
# wall time, the CPU time and the slowest combinations (the JSON keeps each point's seconds).
# Not part of `make bench`. `--aie off` gives the 32 DSP-only combinations.
#
# Usage: bench/explore.sh BUILD_DIR [extra atoll explore options]
set -euo pipefail

build=${1:?usage: bench/explore.sh BUILD_DIR [options]}
shift
here=$(cd "$(dirname "$0")" && pwd)
out="$build/bench/results"
mkdir -p "$out"

/usr/bin/time -f "wall %e s, user %U s, sys %S s" "$build/atoll" explore \
  --model "$here/../examples/models/ibert-base.yaml" --boards u55c,u280,v80,vck5000 \
  --fpgas 1..128 --format json -o "$out/explore.json" "$@"

python3 - "$out/explore.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
points = sorted(j["points"], key=lambda p: -p["seconds"])
print(f"{len(j['points'])} combinations in {j['wall_s']:.1f} s on {j['jobs']} jobs; slowest:")
for p in points[:5]:
    print(f"  {p['cluster']:>4} x {p['board']:<12} {p['seconds']:7.1f} s  "
          + ("fits" if p["fits"] else "does not fit"))
PY
