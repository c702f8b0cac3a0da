#!/usr/bin/python3
"""read_like_yugao.py BUNDLE: reads every cluster_<C>/logical.xml and map.xml of an atoll bundle
the way the Galapagos middleware of UofT-HPRC/galapagos branch yugao does (middleware/python:
cluster.py hands xmltodict's raw values to kernel.py and node.py and iterates a node's <kernel>
value as it comes), and checks that what it reads is what the bundle means:

- the logical file's kernels are a list with IDs 0..N-1, once each, every one with <rep> (cluster.py
  reads an entry without it through an unset variable) and only keys kernel.py accepts;
- the map file's nodes are a list (a single <node> is read key by key) with only keys node.py
  accepts;
- iterating each node's raw <kernel> value, as cluster.py does, yields every IP (a kernel with a
  <vendor>) on exactly one node and no other kernel: a lone two-digit <kernel> would be read digit
  by digit; an ID that is no kernel (256) is ignored there, as cluster.py ignores it;
- a kernel no node lists (a virtual kernel) carries its own <ip> and <mac>, so the router table
  has an address for it.

Prints one line per cluster; exit 1 on the first cluster that is misread."""
import glob
import os
import sys

import xmltodict

# yugao middleware/python/kernel.py (mandatory + optional) and node.py keys.
KERNEL_KEYS = {"name", "num", "#text", "rep", "clk", "aresetn", "vendor", "lib", "version",
               "id_port", "m_axi", "s_axi", "s_axis", "m_axis", "wire_master", "wire_slave",
               "m_axi_map", "s_axi_map", "s_axis_map", "m_axis_map", "wire_master_map",
               "wire_slave_map", "ip", "mac", "const", "properties", "board", "note"}
NODE_KEYS = {"num", "type", "comm", "board", "mac", "ip", "app_bridge", "debug", "kernel",
             "custom", "kernel_map"}


def fail(cluster, message):
    print("%s: %s" % (cluster, message))
    sys.exit(1)


def check(folder):
    name = os.path.basename(folder)
    with open(os.path.join(folder, "logical.xml")) as f:
        logical = xmltodict.parse(f.read())["cluster"]["kernel"]
    with open(os.path.join(folder, "map.xml")) as f:
        nodes = xmltodict.parse(f.read())["cluster"]["node"]
    if not isinstance(logical, list):
        fail(name, "logical.xml: a single <kernel> is not read as a list")
    if not isinstance(nodes, list):
        fail(name, "map.xml: a single <node> is not read as a list")
    kernels = {}
    for k in logical:
        unknown = set(k) - KERNEL_KEYS
        if unknown:
            fail(name, "kernel %s: tags kernel.py refuses: %s" % (k.get("num"), sorted(unknown)))
        if "rep" not in k:
            fail(name, "kernel %s: no <rep>" % k.get("num"))
        num = int(k["num"])
        if num in kernels:
            fail(name, "kernel %d twice" % num)
        kernels[num] = k
    if sorted(kernels) != list(range(len(kernels))):
        fail(name, "IDs are not 0..%d: %s" % (len(kernels) - 1, sorted(kernels)))
    seen = {}
    for index, node in enumerate(nodes):
        unknown = set(node) - NODE_KEYS
        if unknown:
            fail(name, "node %d: tags node.py refuses: %s" % (index, sorted(unknown)))
        for kmap_node in node["kernel"]:  # exactly as cluster.py iterates it
            kid = int(kmap_node)
            if kid in kernels:
                if kid in seen:
                    fail(name, "kernel %d read on nodes %d and %d" % (kid, seen[kid], index))
                seen[kid] = index
    ips = {i for i, k in kernels.items() if "vendor" in k}
    if set(seen) != ips:
        fail(name, "IPs read on nodes %s, expected %s" % (sorted(seen), sorted(ips)))
    for i, k in kernels.items():
        if i not in seen and not (k.get("ip") and k.get("mac")):
            fail(name, "kernel %d is on no node and has no <ip>/<mac>" % i)
    print("%s: %d kernel IDs, %d IPs on %d nodes, read as written" %
          (name, len(kernels), len(ips), len(nodes)))


folders = sorted(glob.glob(os.path.join(sys.argv[1], "cluster_*")),
                 key=lambda p: int(p.rsplit("_", 1)[1]))
if not folders:
    print("%s: no cluster_*/ folder" % sys.argv[1])
    sys.exit(1)
for folder in folders:
    check(folder)
