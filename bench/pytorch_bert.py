#!/usr/bin/env python3
"""PyTorch's dynamic-int8 BERT-base, the CPU baseline of `make bench`.

A float BERT-base-shaped encoder written like Hugging Face's BertLayer (separate nn.Linear for
Q, K, V, the attention output and both FFN matrices, GELU, post-LayerNorm; 12 layers, hidden 768,
12 heads, FFN 3072), converted with torch.ao.quantization.quantize_dynamic: every nn.Linear runs
int8 x int8 with activations quantised on the fly; attention, softmax, GELU and LayerNorm stay
float32. Batch 1, 128 tokens, 2 threads by default. Weights are random (speed does not depend on
their values). Prints one JSON object: median and quartiles of N timed forwards, in ms.

Usage: pytorch_bert.py [--runs N] [--threads T] [--tokens S] [--layers L] [--float]
"""
import argparse
import json
import math
import statistics
import time

import torch
from torch import nn


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.d = heads, hidden // heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden)
        self.ffn1 = nn.Linear(hidden, ffn)
        self.ffn2 = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden)

    def split(self, x):  # [b, s, h] -> [b, heads, s, d]
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.d).transpose(1, 2)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.d), dim=-1)
        ctx = (p @ v).transpose(1, 2).reshape(b, s, h)
        a = self.ln1(x + self.out(ctx))
        return self.ln2(a + self.ffn2(nn.functional.gelu(self.ffn1(a))))


def median_ms(model, x, runs):
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    return {"median_ms": statistics.median(times), "q1_ms": q[0], "q3_ms": q[2]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--float", action="store_true", help="also time the float32 model")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    # Debian's torch has no FBGEMM; oneDNN is its x86 int8 engine (VNNI/AMX when present).
    engines = torch.backends.quantized.supported_engines
    for engine in ("fbgemm", "x86", "onednn"):
        if engine in engines:
            torch.backends.quantized.engine = engine
            break
    model = nn.Sequential(*[BertLayer(768, 12, 3072) for _ in range(args.layers)]).eval()
    x = torch.randn(1, args.tokens, 768)
    fp32 = median_ms(model, x, args.runs) if args.float else None
    qmodel = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    int8 = median_ms(qmodel, x, args.runs)
    print(json.dumps({
        "model": f"BERT-base-shaped encoder, {args.layers} layers, {args.tokens} tokens, batch 1",
        "torch": torch.__version__,
        "engine": torch.backends.quantized.engine,
        "threads": torch.get_num_threads(),
        "runs": args.runs,
        "dynamic_int8": int8,
        **({"float32": fp32} if fp32 else {}),
    }))


if __name__ == "__main__":
    main()
