#!/usr/bin/python3
"""Prints the Galapagos numbering Cluster Builder computes for one grouping, in the form
tests/plan/galapagos_test.cpp pins atoll's numbering in (docs/galapagos.md, "Checking against
utils.py").

It imports python_scripts/utils.py of yugao-uoft/Galapagos_Cluster_Builder from the folder given
and calls its functions in the order setup.py calls them; it writes nothing. Needs numpy (Debian's
/usr/bin/python3 has it).

  git -C CB_REPO archive HEAD python_scripts | tar -x -C /tmp/cb
  /usr/bin/python3 scripts/cluster_builder_ids.py /tmp/cb/python_scripts \\
      --grouping '[["attention_0"],["attention_1","attention_2"], ...]' --partition intermediate_0=2

One line per kernel, clusters in order, IDs ascending:
  <id> <what> [<op>] ><dests> <<sources>
where <what> is gmi, the atoll kernel name without its layer (q.p0, h3.attention, ln_attn),
bypass, virtual or comm, and dests/sources are comma-separated kernel IDs (utils.py gives IDs
only; the cluster of a cross-cluster address is not part of its output).
"""

import argparse
import json
import sys

SUBLAYERS = ["attention_0", "attention_1", "attention_2", "attention_output_0",
             "attention_output_1", "intermediate_0", "intermediate_output_0",
             "intermediate_output_1"]
HEADS = 12  # utils.py counts 12 attention kernels whatever num_attention_heads says


def ids(values):
    return ",".join(str(v) for v in values)


def op_name(names):
    return "gather_broadcast" if names == ["gather", "broadcast"] else names[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("utils_dir", help="Cluster Builder's python_scripts folder")
    ap.add_argument("--grouping", default=json.dumps([SUBLAYERS]),
                    help="config.json's 'cluster' as JSON (default: the published one cluster)")
    ap.add_argument("--partition", action="append", default=[], metavar="SUBLAYER=N",
                    help="a sub-layer's partition (default 1)")
    args = ap.parse_args()
    sys.path.insert(0, args.utils_dir)
    import utils as u  # noqa: E402  (Cluster Builder's, from the folder given)

    cfg = {"cluster": json.loads(args.grouping)}
    for s in SUBLAYERS:
        cfg[s] = {"partition": 1, "part": "xczu19eg-ffvc1760-2-i"}
    for p in args.partition:
        name, n = p.split("=")
        cfg[name]["partition"] = int(n)

    cl = u.get_cluster_id_per_layer(cfg)
    n_layer = u.get_num_compute_kernel_per_layer(cfg, cl)
    n_cluster = u.get_num_compute_kernel_per_cluster(cfg, n_layer)
    kid = u.get_compute_kern_id_per_layer(cfg, HEADS, cl, n_layer)
    vname, vid, vdest, vsrc, n_virtual = u.get_virtual_kernel_per_cluster(cfg, n_cluster, cl, kid)
    cname, cid, cdest, csrc, _ = u.get_comm_kernel_per_cluster(cfg, n_cluster, n_virtual, cl, vid,
                                                              kid)
    dest = u.get_compute_kern_dest_per_layer(cfg, HEADS, cl, vid, vname, kid, cid)
    src = u.get_compute_kern_src_per_layer(cfg, HEADS, cl, vid, kid, cid)

    lines = [dict() for _ in cfg["cluster"]]  # per cluster: id -> line

    def put(c, i, what, d, s):
        lines[c][i] = "%d %s >%s <%s" % (i, what, ids(d), ids(s))

    def part(name, p, j):
        return name if p == 1 else "%s.p%d" % (name, j)

    pa = cfg["attention_0"]["partition"]
    for r, role in enumerate(["q", "k", "v"]):
        for j in range(pa):
            put(cl[0], kid[0][r * pa + j], part(role, pa, j), [dest[0][r * pa + j]], [src[0][r][j]])
    if len(kid[0]) > 3 * pa:
        put(cl[0], kid[0][-1], "bypass", [dest[0][-1]], [])
    for h in range(HEADS):
        put(cl[1], kid[1][h], "h%d.attention" % h, [dest[1][h]], src[1][h])
        put(cl[2], kid[2][h], "h%d.context" % h, [dest[2][h]], src[2][h])
    po = cfg["attention_output_0"]["partition"]
    for j in range(po):
        put(cl[3], kid[3][j], part("out_proj", po, j), [dest[3][j]], [src[3][j]])
    put(cl[4], kid[4][0], "ln_attn", dest[4], src[4])
    p1 = cfg["intermediate_0"]["partition"]
    for j in range(p1):
        put(cl[5], kid[5][j], part("ffn1", p1, j), [dest[5][j]], [src[5][j]])
    if len(kid[5]) > p1:
        put(cl[5], kid[5][-1], "bypass", [dest[5][-1]], [])
    p2 = cfg["intermediate_output_0"]["partition"]
    for j in range(p2):
        put(cl[6], kid[6][j], part("ffn2", p2, j), [dest[6][j]], [src[6][min(j, len(src[6]) - 1)]])
    put(cl[7], kid[7][0], "ln_ffn", dest[7], src[7])
    for c in range(len(cfg["cluster"])):
        put(c, 0, "gmi", [], [])
        for i, v in enumerate(vid[c]):
            put(c, v, "virtual " + op_name(vname[c][i]), vdest[c][i],
                vsrc[c][i] if i < len(vsrc[c]) else [])
        for i, v in enumerate(cid[c]):
            put(c, v, "comm " + op_name(cname[c][i]), cdest[c][i], csrc[c][i])
        print("cluster %d:" % c)
        for i in sorted(lines[c]):
            print(lines[c][i])


if __name__ == "__main__":
    main()
