#!/usr/bin/env python3
"""PyTorch's batch-1 decoding of a TinyLlama-1.1B-shaped model, the CPU baseline of `make bench`.

Shape (TinyLlama/TinyLlama-1.1B-Chat-v1.0, config.json on its Hugging Face model card): hidden
2048, FFN 5632, 22 layers, 32 heads, 4 KV heads, vocab 32000, separate LM head. A Llama decoder
written like Hugging Face's LlamaDecoderLayer (nn.Linear without bias for Q, K, V, O, gate, up,
down and the LM head; RMSNorm; rotary positions; grouped-query attention over a KV cache;
SwiGLU). Weights are random (speed does not depend on their values).

Two workloads per model, each timed as the median ms per token over N tokens:
  products: the 22 x 7 linears and the LM head applied to one token, nothing else: the same work
            as bench/decoder_bench.cpp's BM_DecodeProductsOnly;
  decode:   the whole decode step (norms, RoPE, attention over the cache, SwiGLU, LM head) after
            a prompt of 16 tokens.
Models: float32, then the same converted in place with torch.ao.quantization.quantize_dynamic
(every nn.Linear int8 x int8, activations quantised per call; the rest float32). Prints one JSON
object.

Usage: pytorch_decoder.py [--tokens N] [--threads T] [--layers L] [--no-float]
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, VOCAB = 2048, 5632, 22, 32, 4, 32000
PROMPT, MAX_SEQ = 16, 256


def linear(n_in, n_out):
    m = nn.utils.skip_init(nn.Linear, n_in, n_out, bias=False)  # no kaiming init of 1.1B weights
    nn.init.normal_(m.weight, std=0.02)
    return m


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, pos, theta=10000.0):  # x [b, s, h, d]; Hugging Face's split-halves layout
    d = x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d)
    ang = torch.outer(torch.arange(pos, pos + x.shape[1], dtype=torch.float32), inv)
    cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
    a, b = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hd = DIM // HEADS
        self.q, self.k = linear(DIM, DIM), linear(DIM, KV_HEADS * self.hd)
        self.v, self.o = linear(DIM, KV_HEADS * self.hd), linear(DIM, DIM)
        self.gate, self.up = linear(DIM, HIDDEN), linear(DIM, HIDDEN)
        self.down = linear(HIDDEN, DIM)
        self.n1, self.n2 = RMSNorm(DIM), RMSNorm(DIM)
        self.register_buffer("kc", torch.zeros(1, MAX_SEQ, KV_HEADS, self.hd), persistent=False)
        self.register_buffer("vc", torch.zeros(1, MAX_SEQ, KV_HEADS, self.hd), persistent=False)

    def forward(self, x, pos):
        b, s, _ = x.shape
        h = self.n1(x)
        q = rope(self.q(h).view(b, s, HEADS, self.hd), pos)
        self.kc[:, pos:pos + s] = rope(self.k(h).view(b, s, KV_HEADS, self.hd), pos)
        self.vc[:, pos:pos + s] = self.v(h).view(b, s, KV_HEADS, self.hd)
        rep = HEADS // KV_HEADS
        k = self.kc[:, :pos + s].repeat_interleave(rep, dim=2).transpose(1, 2)
        v = self.vc[:, :pos + s].repeat_interleave(rep, dim=2).transpose(1, 2)
        mask = torch.full((s, pos + s), float("-inf")).triu(pos + 1)
        att = torch.softmax(q.transpose(1, 2) @ k.transpose(-1, -2) / self.hd ** 0.5 + mask, -1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, s, DIM))
        h = self.n2(x)
        return x + self.down(nn.functional.silu(self.gate(h)) * self.up(h))


class Decoder(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList(Layer() for _ in range(layers))
        self.norm, self.lm_head = RMSNorm(DIM), linear(DIM, VOCAB)

    def forward(self, ids, pos):
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, pos)
        return self.lm_head(self.norm(x))

    def products(self, x, h):  # the linears alone, one token: x [1, 1, DIM], h [1, 1, HIDDEN]
        for l in self.layers:
            for m in (l.q, l.k, l.v, l.o, l.gate, l.up):
                m(x)
            l.down(h)
        return self.lm_head(x)


def median_ms(step, tokens):
    times = []
    for i in range(tokens + 2):
        t0 = time.perf_counter()
        step(i)
        if i >= 2:  # two warm-up tokens
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    return {"median_ms": statistics.median(times), "q1_ms": q[0], "q3_ms": q[2]}


def measure(model, tokens):
    g = torch.Generator().manual_seed(1)
    x, h = torch.randn(1, 1, DIM, generator=g), torch.randn(1, 1, HIDDEN, generator=g)
    ids = torch.randint(0, VOCAB, (1, PROMPT + tokens + 2), generator=g)
    with torch.inference_mode():
        products = median_ms(lambda i: model.products(x, h), tokens)
        model(ids[:, :PROMPT], 0)
        decode = median_ms(lambda i: model(ids[:, PROMPT + i:PROMPT + i + 1], PROMPT + i), tokens)
    return {"products": products, "decode": decode}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=10, help="timed tokens per workload")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--no-float", action="store_true", help="skip the float32 model")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    # Debian's torch has no FBGEMM; oneDNN is its x86 int8 engine (VNNI when present).
    for engine in ("fbgemm", "x86", "onednn"):
        if engine in torch.backends.quantized.supported_engines:
            torch.backends.quantized.engine = engine
            break
    model = Decoder(args.layers).eval()
    # (no list of the modules is kept: it would keep the float weights alive after quantising)
    weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))
    fp32 = None if args.no_float else measure(model, args.tokens)
    torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8, inplace=True)
    int8 = measure(model, args.tokens)
    print(json.dumps({
        "model": f"TinyLlama-1.1B-shaped decoder, {args.layers} layers, batch 1",
        "torch": torch.__version__,
        "engine": torch.backends.quantized.engine,
        "threads": torch.get_num_threads(),
        "tokens": args.tokens,
        "linear_weights": weights,
        "dynamic_int8": int8,
        **({"float32": fp32} if fp32 else {}),
    }))


if __name__ == "__main__":
    main()
