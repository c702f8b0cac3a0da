# Writes gpt2/ and llama/ here (config.json, model.safetensors, logits.npy): run
# `/usr/bin/python3 make_reference.py .` (PyTorch 1.13, CPU; torch.manual_seed(0)).
# Independent check of atoll's Hugging Face GPT-2 and Llama paths: small random models in the
# Hugging Face tensor layouts, a full-sequence PyTorch forward following the transformers
# modeling code's semantics (GPT-2: Conv1D x @ W + b, tanh GELU; Llama: rotate_half RoPE,
# RMSNorm, repeat_kv, SwiGLU), greedy decoding without a KV cache.
import json, math, os, struct, sys
import torch
import torch.nn.functional as F
torch.manual_seed(0)
out = sys.argv[1]

def save(dirname, config, tensors):
    os.makedirs(dirname, exist_ok=True)
    json.dump(config, open(os.path.join(dirname, "config.json"), "w"), indent=1)
    header, data = {}, b""
    for k in sorted(tensors):
        t = tensors[k].contiguous().float()
        b = t.numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header, separators=(",", ":")); h += " " * ((8 - len(h) % 8) % 8)
    open(os.path.join(dirname, "model.safetensors"), "wb").write(struct.pack("<Q", len(h)) + h.encode() + data)

def greedy(forward, first, steps):
    ids = [first]
    first_logits = None
    for _ in range(steps):
        logits = forward(torch.tensor(ids))
        if first_logits is None: first_logits = logits[0]
        ids.append(int(torch.argmax(logits[-1])))
    return ids, first_logits

# GPT-2
d, H, L, inner, V, P = 16, 4, 2, 32, 48, 12
hd = d // H
g = {"wte.weight": torch.randn(V, d) * 0.5, "wpe.weight": torch.randn(P, d) * 0.1,
     "ln_f.weight": 1 + 0.1 * torch.randn(d), "ln_f.bias": 0.1 * torch.randn(d)}
for i in range(L):
    p = f"h.{i}."
    g.update({p + "ln_1.weight": 1 + 0.1 * torch.randn(d), p + "ln_1.bias": 0.1 * torch.randn(d),
              p + "attn.c_attn.weight": torch.randn(d, 3 * d) / math.sqrt(d), p + "attn.c_attn.bias": 0.1 * torch.randn(3 * d),
              p + "attn.c_proj.weight": torch.randn(d, d) / math.sqrt(d), p + "attn.c_proj.bias": 0.1 * torch.randn(d),
              p + "ln_2.weight": 1 + 0.1 * torch.randn(d), p + "ln_2.bias": 0.1 * torch.randn(d),
              p + "mlp.c_fc.weight": torch.randn(d, inner) / math.sqrt(d), p + "mlp.c_fc.bias": 0.1 * torch.randn(inner),
              p + "mlp.c_proj.weight": torch.randn(inner, d) / math.sqrt(inner), p + "mlp.c_proj.bias": 0.1 * torch.randn(d)})

def gpt2(ids):
    T = len(ids)
    x = g["wte.weight"][ids] + g["wpe.weight"][torch.arange(T)]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(L):
        p = f"h.{i}."
        a = F.layer_norm(x, (d,), g[p + "ln_1.weight"], g[p + "ln_1.bias"], 1e-5)
        q, k, v = torch.addmm(g[p + "attn.c_attn.bias"], a, g[p + "attn.c_attn.weight"]).split(d, dim=1)
        q, k, v = [t.view(T, H, hd).transpose(0, 1) for t in (q, k, v)]
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        s = s.masked_fill(~mask, float("-inf")).softmax(-1)
        ctx = (s @ v).transpose(0, 1).reshape(T, d)
        x = x + torch.addmm(g[p + "attn.c_proj.bias"], ctx, g[p + "attn.c_proj.weight"])
        m = F.layer_norm(x, (d,), g[p + "ln_2.weight"], g[p + "ln_2.bias"], 1e-5)
        f = F.gelu(torch.addmm(g[p + "mlp.c_fc.bias"], m, g[p + "mlp.c_fc.weight"]), approximate="tanh")
        x = x + torch.addmm(g[p + "mlp.c_proj.bias"], f, g[p + "mlp.c_proj.weight"])
    x = F.layer_norm(x, (d,), g["ln_f.weight"], g["ln_f.bias"], 1e-5)
    return x @ g["wte.weight"].T

save(os.path.join(out, "gpt2"), {"model_type": "gpt2", "n_embd": d, "n_inner": inner, "n_layer": L, "n_head": H,
     "vocab_size": V, "n_positions": P, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
     "bos_token_id": 1}, g)
ids, first = greedy(gpt2, 1, P - 1)
print("gpt2 tokens", ids)
print("gpt2 first logits", [float(v) for v in first[:6]])

# Llama (Hugging Face layout: rotate_half RoPE), GQA 4/2, separate LM head
d, H, KV, L, inner, V, P, theta = 16, 4, 2, 2, 24, 48, 12, 10000.0
hd = d // H
lm = {"model.embed_tokens.weight": torch.randn(V, d), "model.norm.weight": 1 + 0.1 * torch.randn(d),
      "lm_head.weight": torch.randn(V, d) / math.sqrt(d)}
for i in range(L):
    p = f"model.layers.{i}."
    lm.update({p + "input_layernorm.weight": 1 + 0.1 * torch.randn(d),
               p + "self_attn.q_proj.weight": torch.randn(d, d) / math.sqrt(d) * 2,
               p + "self_attn.k_proj.weight": torch.randn(KV * hd, d) / math.sqrt(d) * 2,
               p + "self_attn.v_proj.weight": torch.randn(KV * hd, d) / math.sqrt(d),
               p + "self_attn.o_proj.weight": torch.randn(d, d) / math.sqrt(d),
               p + "post_attention_layernorm.weight": 1 + 0.1 * torch.randn(d),
               p + "mlp.gate_proj.weight": torch.randn(inner, d) / math.sqrt(d),
               p + "mlp.up_proj.weight": torch.randn(inner, d) / math.sqrt(d),
               p + "mlp.down_proj.weight": torch.randn(d, inner) / math.sqrt(inner)})

def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

def rotate_half(x):
    return torch.cat((-x[..., hd // 2:], x[..., : hd // 2]), dim=-1)

def llama(ids):
    T = len(ids)
    x = lm["model.embed_tokens.weight"][ids]
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2).float() / hd))
    freqs = torch.outer(torch.arange(T).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None], emb.sin()[None]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(L):
        p = f"model.layers.{i}."
        a = rms(x, lm[p + "input_layernorm.weight"])
        q = (a @ lm[p + "self_attn.q_proj.weight"].T).view(T, H, hd).transpose(0, 1)
        k = (a @ lm[p + "self_attn.k_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        v = (a @ lm[p + "self_attn.v_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=0); v = v.repeat_interleave(H // KV, dim=0)
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        s = s.masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + (s @ v).transpose(0, 1).reshape(T, d) @ lm[p + "self_attn.o_proj.weight"].T
        m = rms(x, lm[p + "post_attention_layernorm.weight"])
        x = x + (F.silu(m @ lm[p + "mlp.gate_proj.weight"].T) * (m @ lm[p + "mlp.up_proj.weight"].T)) @ lm[p + "mlp.down_proj.weight"].T
    return rms(x, lm["model.norm.weight"]) @ lm["lm_head.weight"].T

save(os.path.join(out, "llama"), {"model_type": "llama", "hidden_size": d, "intermediate_size": inner,
     "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "vocab_size": V,
     "max_position_embeddings": P, "rms_norm_eps": 1e-5, "rope_theta": theta, "tie_word_embeddings": False,
     "hidden_act": "silu", "rope_scaling": None, "bos_token_id": 1}, lm)
ids, first = greedy(llama, 1, P - 1)
print("llama tokens", ids)
print("llama first logits", [float(v) for v in first[:6]])

import numpy as np
seq = [1, 7, 30, 2, 45, 11, 19, 3, 40, 22, 8, 33]
for name, f in (("gpt2", gpt2), ("llama", llama)):
    with torch.no_grad():
        np.save(os.path.join(out, name, "logits.npy"), f(torch.tensor(seq)).numpy().astype(np.float32))
