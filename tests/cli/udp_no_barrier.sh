#!/usr/bin/env bash
# udp_no_barrier.sh ATOLL PLAN PORT DIR: every node of PLAN as its own `atoll node --transport udp
# --start none` process on loopback ports PORT.., the nodes that hold no input started first (as
# a real cluster's FPGAs are configured before the host sends), node 0 once they all listen;
# passes iff every node exits 0 and the output equals `atoll node --transport inproc` bit for bit.
set -u
atoll=$1 plan=$2 port=$3 dir=$4
common=(--plan "$plan" --random-input --tokens 9 --timeout 20)
nodes=$("$atoll" node --transport inproc "${common[@]}" -o "$dir/udp-nb-ref.npy" | grep -c '^inproc: node')
pids=()
for ((n = nodes - 1; n >= 1; n--)); do
  "$atoll" node --transport udp --start none --node $n --udp-port "$port" "${common[@]}" \
    -o "$dir/udp-nb.npy" >"$dir/udp-nb-$n.txt" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 400; i++)); do  # at most 20 s for the "listening" line
    grep -q "udp node $n: listening on 127.0.0.1:$((port + n)), no barrier" "$dir/udp-nb-$n.txt" && break
    sleep 0.05
  done
done
"$atoll" node --transport udp --start none --node 0 --udp-port "$port" "${common[@]}" \
  -o "$dir/udp-nb.npy" >"$dir/udp-nb-0.txt" 2>&1
rc=$?
for p in "${pids[@]}"; do wait "$p" || rc=1; done
cat "$dir"/udp-nb-*.txt
((rc == 0)) || { echo "udp_no_barrier.sh: a node failed"; exit 1; }
cmp "$dir/udp-nb.npy" "$dir/udp-nb-ref.npy" && echo "udp_no_barrier.sh: $nodes nodes, bit-exact"
