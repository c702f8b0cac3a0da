#!/usr/bin/env bash
# check-galapagos.sh BUNDLE GALAPAGOS_DIR: runs the real Galapagos middleware on every cluster of
# an `atoll build` bundle and checks what it makes of it.
#
# GALAPAGOS_DIR is a work tree of https://github.com/UofT-HPRC/galapagos, branch yugao (the branch
# Galapagos Cluster Builder builds for). For each BUNDLE/cluster_<C>/ this runs its
# middleware/python/globalFPGAParser.py (cluster.py, kernel.py, node.py, tclFileGenerator.py;
# Debian's python3-xmltodict) into a scratch folder, exactly as `make` in Galapagos would, then
# checks that
#   - the router table it writes (ip.coe, mac.coe) has an entry for every kernel ID 0..N-1 of the
#     logical file, in order, each the address of the node that holds the kernel (a virtual
#     kernel: the address its logical entry gives, kernel 0's node), and ends where it should;
#   - the block-design Tcl of every hw node instantiates exactly the IPs the map file puts there,
#     as yugao.com:user:kern_<id>,
# and prints each cluster's router table. Exit 0 when every cluster passes, 1 otherwise, 2 on
# usage. Needs no Vivado. PYTHON overrides the interpreter (default /usr/bin/python3).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUNDLE GALAPAGOS_DIR" >&2
  exit 2
fi
bundle=$1 galapagos=$2
python=${PYTHON:-/usr/bin/python3}
parser=$galapagos/middleware/python/globalFPGAParser.py
[[ -f $bundle/MANIFEST.sha256 ]] || { echo "check-galapagos: $bundle: not an atoll bundle (no MANIFEST.sha256)" >&2; exit 1; }
[[ -f $parser ]] || { echo "check-galapagos: $parser: not found (GALAPAGOS_DIR must be a galapagos work tree, branch yugao)" >&2; exit 1; }
"$python" -c 'import xmltodict' 2>/dev/null || { echo "check-galapagos: $python has no xmltodict (apt install python3-xmltodict)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
clusters=0
while IFS= read -r dir; do
  [[ -d $dir ]] || continue
  dir=${dir%/}
  name=$(basename "$dir")
  clusters=$((clusters + 1))
  log=$scratch/$name.log
  if ! GALAPAGOS_PATH=$galapagos timeout 300 "$python" "$parser" --logicalFile="$dir/logical.xml" \
      --mapFile="$dir/map.xml" --projectName="$name" --path="$scratch" >"$log" 2>&1; then
    echo "$name: the Galapagos middleware failed:"
    tail -n 5 "$log"
    status=1
    continue
  fi
  "$python" - "$dir" "$scratch/$name" "$name" <<'PY' || status=1
import glob, os, re, socket, struct, sys
import xmltodict

bundle_dir, project, name = sys.argv[1:]

def as_list(x):
    return x if isinstance(x, list) else [x]

def read(path):
    with open(path) as f:
        return xmltodict.parse(f.read())["cluster"]

kernels = {int(k["num"]): k for k in as_list(read(bundle_dir + "/logical.xml")["kernel"])}
nodes = as_list(read(bundle_dir + "/map.xml")["node"])
expected = {}  # id -> (ip, mac, where)
placed = {}    # node index -> set of ids
for n_idx, node in enumerate(nodes):
    ids = {int(k) for k in as_list(node["kernel"]) if int(k) in kernels}
    placed[n_idx] = ids
    for i in ids:
        expected[i] = (node["ip"], node["mac"], "kern_%d on node %d" % (i, n_idx))
for i, k in kernels.items():
    if i not in expected:
        expected[i] = (k.get("ip"), k.get("mac"), "%s (no IP, no node)" % k["#text"])

def coe(path):
    text = open(path).read()
    vector = text.split("memory_initialization_vector=", 1)[1].strip()
    ok_end = vector.endswith(";")
    fields = [f.strip() for f in vector.rstrip(";,").split(",")]
    return [fields[i] for i in range(0, len(fields), 4)], ok_end

ips, ip_end = coe(project + "/ip.coe")
macs, mac_end = coe(project + "/mac.coe")
errors = []
n = max(kernels) + 1
if sorted(kernels) != list(range(n)):
    errors.append("logical.xml IDs are not 0..%d" % (n - 1))
if len(ips) != n or len(macs) != n or not ip_end or not mac_end:
    errors.append("router table has %d IP and %d MAC entries (%s), expected %d ending with ';'"
                  % (len(ips), len(macs), "ends" if ip_end and mac_end else "unterminated", n))
print("%s: router table (ip.coe, mac.coe) written by the Galapagos middleware:" % name)
print("   id  ip             mac                kernel")
for i in range(min(len(ips), len(macs))):
    ip = socket.inet_ntoa(struct.pack("!L", int(ips[i])))
    mac = ":".join(macs[i][j:j + 2] for j in range(0, 12, 2))
    want = expected.get(i)
    mark = ""
    if want is None or want[0] is None or ip != want[0].strip() or mac != want[1].strip().lower():
        mark = "  <- expected %s" % (want and (want[0], want[1]))
        errors.append("ID %d: %s %s%s" % (i, ip, mac, mark))
    print("  %3d  %-13s  %s  %s%s" % (i, ip, mac, want[2] if want else "?", mark))

# The block design of every hw node: exactly its IPs, with the VLNV the bundle packages.
for n_idx, node in enumerate(nodes):
    if node["type"].strip() != "hw":
        continue
    tcl = open("%s/%d/%d_app.tcl" % (project, n_idx, n_idx)).read()
    cells = set(int(m) for m in re.findall(r"-vlnv yugao\.com:user:kern_(\d+) ", tcl))
    if cells != placed[n_idx]:
        errors.append("node %d: Tcl instantiates kern_%s, map.xml places %s"
                      % (n_idx, sorted(cells), sorted(placed[n_idx])))
ip_count = sum(len(v) for v in placed.values())
hw_nodes = sum(1 for node in nodes if node["type"].strip() == "hw")
if errors:
    print("%s: FAILED:\n  %s" % (name, "\n  ".join(errors)))
    sys.exit(1)
print("%s: OK: %d kernel IDs, all with an address; %d hw nodes instantiate their %d IPs as "
      "yugao.com:user:kern_<id>" % (name, n, hw_nodes, ip_count))
PY
done < <(printf '%s\n' "$bundle"/cluster_*/ | sort -V)
if ((clusters == 0)); then
  echo "check-galapagos: $bundle has no cluster_*/ folder"
  exit 1
fi
if ((status == 0)); then echo "check-galapagos: $clusters cluster(s) pass"; fi
exit $status
