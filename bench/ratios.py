#!/usr/bin/env python3
"""Turns the JSON of one bench/run.sh run into the ratios the targets are stated in.

Usage: ratios.py RESULTS_DIR   (kernels_forward.json, kernels_bench.json, pytorch.json,
                               decoder_*.json, pytorch_decoder.json, others)
"""
import json
import pathlib
import statistics
import sys


def load(path):
    return json.loads(path.read_text()) if path.exists() else None


def runs(doc, prefix):
    """Iteration rows (not aggregates) whose name starts with prefix."""
    return [b for b in (doc or {}).get("benchmarks", [])
            if b["name"].startswith(prefix) and b.get("run_type") != "aggregate"]


def ms(b):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * scale


def median_rows(rows):
    """Of each benchmark's repetitions, the one with the median time (first-seen order kept)."""
    by_name = {}
    for b in rows:
        by_name.setdefault(b["name"], []).append(b)
    return [sorted(reps, key=ms)[len(reps) // 2] for reps in by_name.values()]


def decoder(d):
    """Batch-1 decoding of the TinyLlama-1.1B shape (decoder_bench.cpp, pytorch_decoder.py)."""
    products = median_rows(runs(load(d / "decoder_decode.json"), "BM_DecodeProductsOnly"))
    whole = median_rows(runs(load(d / "decoder_int.json"), "BM_DecodeIntDecoder"))
    if not products:
        return
    best = products[0]  # registered first: the path multiply() picks
    weight_bytes = best["weight_mb"] * 2**20
    bandwidth = {f"512 MB buffer {name}": b["GB/s"] for name in ("before", "after")
                 for b in runs(load(d / f"decoder_bandwidth_{name}.json"),
                               "BM_MemoryReadBandwidth")}
    bandwidth["all weights read between tokens"] = best["read_pass_GB/s"]
    bw = max(bandwidth.values())  # the best seen: the strictest bound
    bound_ms = weight_bytes / (bw * 1e9) * 1e3
    print(f"TinyLlama-1.1B-shaped decode, batch 1, {best['name'].split('/')[1]}:")
    print(f"  memory read bandwidth {bw:.1f} GB/s, the best of "
          f"{', '.join(f'{k} {v:.1f}' for k, v in bandwidth.items())}; "
          f"{weight_bytes / 1e9:.3f} GB of int8 weights per token -> bound {bound_ms:.1f} ms/token")
    torch = load(d / "pytorch_decoder.json") or {}
    for name, b, torch_key in (("whole step (IntDecoder)", whole[0] if whole else None, "decode"),
                               ("int8 products only", best, "products")):
        if b is None:
            continue
        our = ms(b)
        print(f"  {name}: {our:.1f} ms/token = {100 * bound_ms / our:.0f}% of the bandwidth bound"
              f"   (target >= 70%)")
        if "fastest_token_ms" in b:  # the best moment of a loaded machine, beside the mean
            fast = b["fastest_token_ms"]
            print(f"    fastest token of the run: {fast:.1f} ms = {100 * bound_ms / fast:.0f}% of "
                  f"the bound")
        for kind in ("dynamic_int8", "float32"):
            if kind in torch:
                t = torch[kind][torch_key]["median_ms"]
                target = "   (target >= 2x)" if kind == "dynamic_int8" else ""
                print(f"    vs PyTorch {kind} ({torch['engine']}, {torch['threads']} threads, "
                      f"same work, {t:.1f} ms/token): {t / our:.2f}x{target}")
    for b in products[1:]:
        print(f"  products only, {b['name'].split('/')[1]} path: {ms(b):.1f} ms/token")
    # CPU time (all threads) instead of wall time: what the code costs, whatever share of the
    # cores a loaded machine gives it.
    read_ms = 1e3 * best["read_pass_cpu_s"]
    print(f"  CPU time per token: products {best['cpu_time']:.1f} ms vs {read_ms:.1f} ms to only "
          f"read the weights ({100 * read_ms / best['cpu_time']:.0f}%)"
          + (f"; whole step {whole[0]['cpu_time']:.1f} ms" if whole else ""))
    print(f"  peak memory, products process: {best['peak_rss_mb']:.0f} MiB = "
          f"{best['peak_rss_mb'] / best['weight_mb']:.2f}x the int8 weights "
          f"({best['weight_mb']:.0f} MiB)   (target <= 1.5x)")
    if whole:
        w = whole[0]
        print(f"  memory, IntDecoder process: {w['rss_mb']:.0f} MiB resident while decoding = "
              f"{w['rss_mb'] / best['weight_mb']:.2f}x the int8 weights; peak "
              f"{w['peak_rss_mb']:.0f} MiB = {w['peak_rss_mb'] / best['weight_mb']:.2f}x while "
              f"calibrating one layer of float32 weights at a time   (target <= 1.5x)")
    rate = {tuple(b["name"].split("/")[:2]): b["GMAC/s"]
            for b in runs(load(d / "decoder_products.json"), "BM_Product")}
    for (name, tokens), ours in rate.items():
        if name == "BM_ProductInt8Matrix" and ("BM_ProductOneDnn", tokens) in rate:
            dnnl = rate[("BM_ProductOneDnn", tokens)]
            print(f"  product [5632 x 2048], {tokens} token(s): Int8Matrix {ours:.0f} GMAC/s, "
                  f"oneDNN {dnnl:.0f} GMAC/s ({ours / dnnl:.2f}x)")


def main():
    d = pathlib.Path(sys.argv[1])
    fwd, kern, torch = load(d / "kernels_forward.json"), load(d / "kernels_bench.json"), load(
        d / "pytorch.json")
    print("Ratios (all measured in this run)")
    print("---------------------------------")
    peak = max((b["GMAC/s"] for b in runs(kern, "BM_Int8GemmPeak")), default=None)
    if peak:
        label = runs(kern, "BM_Int8GemmPeak")[0].get("label", "")
        print(f"int8 GEMM peak (largest oneDNN s8 matmul): {peak:.0f} GMAC/s  [{label}]")
    forward = runs(fwd, "BM_Forward")
    if forward:
        our_ms = statistics.median(ms(b) for b in forward)
        lin = statistics.median(b["linear_GMAC/s"] for b in forward)
        rss = max(b["peak_rss_mb"] for b in forward)
        parts = {k: statistics.median(b[k] for b in forward)
                 for k in ("linear_ms", "attention_ms", "nonlinear_ms")}
        share = ", ".join(f"{k[:-3]} {100 * v / our_ms:.0f}%" for k, v in parts.items())
        print(f"I-BERT-base forward (12 layers, 128 tokens): time split {share}")
        if torch:
            t = torch["dynamic_int8"]["median_ms"]
            print(f"speed-up vs PyTorch dynamic-int8 BERT-base ({torch['engine']}, "
                  f"{torch['threads']} threads): {t / our_ms:.2f}x   (target >= 1.5x)")
        if peak:
            print(f"linears inside the forward: {100 * lin / peak:.0f}% of the int8 GEMM peak"
                  f"   (target >= 60%)")
        print(f"peak memory of the forward process: {rss:.0f} MB   (target <= 300 MB)")
    if peak:
        for b in runs(kern, "BM_Linear"):
            if "GMAC/s" in b and "Ref" not in b["name"]:
                shape = " x ".join(b["name"].split("/")[1:3])
                cold = ", 12 weight matrices in turn" if "Cold" in b["name"] else ""
                print(f"  linear {shape} (128 rows{cold}): {100 * b['GMAC/s'] / peak:.0f}% of peak")
    pairs = [("QuantAct", "QuantActRef"), ("Gelu", "GeluRef"), ("LayerNorm", "LayerNormRef"),
             ("Softmax", "SoftmaxRef")]
    rate = {b["name"].split("/")[0][3:]: b.get("items_per_second") for b in runs(kern, "BM_")}
    for fast, ref in pairs:
        if rate.get(fast) and rate.get(ref):
            print(f"  {fast}: fast path {rate[fast] / rate[ref]:.1f}x the 128-bit definition")
    mm = {b["name"].split("/")[0][3:]: b.get("GMAC/s") for b in runs(kern, "BM_")}
    if mm.get("AttentionScores") and mm.get("AttentionPlainLoops"):
        both = 2 / (1 / mm["AttentionScores"] + 1 / mm["AttentionContext"])
        print(f"  attention matmuls: oneDNN batch {both / mm['AttentionPlainLoops']:.0f}x the "
              f"per-head plain loops")
    plat = {b["name"].split("/")[0]: b for b in runs(load(d / "platform_bench.json"), "BM_")}
    if "BM_ReferenceEncoder" in plat and "BM_InprocSixNodes" in plat:
        ratio = ms(plat["BM_InprocSixNodes"]) / ms(plat["BM_ReferenceEncoder"])
        print(f"one encoder layer on six in-process nodes vs the single-process reference: "
              f"{ratio:.2f}x the time   (target <= 2x)")
    decoder(d)
    nodes = {b["name"].split("/")[0]: b for b in runs(load(d / "decoder_nodes_bench.json"), "BM_")}
    one, four = (nodes.get(f"BM_DecodeStories260K{n}") for n in ("SingleProcess", "FourNodes"))
    if one and four:
        print(f"stories260K decode on 4 in-process nodes (tensor parallel, "
              f"{four['kernels']:.0f} kernels) vs the single-process IntDecoder: "
              f"{four['ms_per_token']:.3f} vs {one['ms_per_token']:.3f} ms/token = "
              f"{four['ms_per_token'] / one['ms_per_token']:.2f}x   (target <= 2x)")
    for path in sorted(d.glob("*.json")):
        if path.stem in ("kernels_forward", "kernels_bench", "pytorch") or path.stem.startswith(
                ("decoder_", "pytorch_decoder")):
            continue
        for b in runs(load(path), "BM_"):
            counters = {k: v for k, v in b.items() if k not in (
                "name", "family_index", "per_family_instance_index", "run_name", "run_type",
                "repetitions", "repetition_index", "threads", "iterations", "real_time",
                "cpu_time", "time_unit", "label")}
            text = ", ".join(f"{k}={v:.4g}" for k, v in counters.items()
                             if isinstance(v, (int, float)))
            print(f"{path.stem}: {b['name']}: {ms(b):.1f} ms; {text}")


if __name__ == "__main__":
    main()
