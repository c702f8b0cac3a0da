#!/usr/bin/python3
"""The decoder answer's tables and charts from `atoll explore --format json|html` (run by
scripts/decoder-answer.sh, which documents the files it reads).

  decoder_answer.py what-if hbm-x4|hop-100ns DATA_DIR   edit a copy of data/ in place
  decoder_answer.py answer OUT_DIR MODEL...             Markdown on stdout, OUT_DIR/MODEL.svg
"""
import json
import pathlib
import re
import sys

WHAT_IFS = {
    "hbm-x4": "every board's off-chip bandwidth x4",
    "hop-100ns": "the switched network hop 100 ns instead of 1000 ns",
}


def what_if(name, data):
    data = pathlib.Path(data)
    if name == "hbm-x4":
        for f in sorted((data / "devices").glob("*.yaml")):
            text = f.read_text()
            new = re.sub(r"(offchip_gbps: \{value: )([0-9.]+)",
                         lambda m: m.group(1) + repr(float(m.group(2)) * 4), text)
            if new == text:
                sys.exit(f"what-if {name}: no offchip_gbps in {f}")
            f.write_text(new)
    elif name == "hop-100ns":
        f = data / "network.yaml"
        text = f.read_text()
        new = re.sub(r"(switched_hop_alpha_ns: \{value: )1000\b", r"\g<1>100", text)
        if new == text:
            sys.exit(f"what-if {name}: switched_hop_alpha_ns is not 1000 in {f}")
        f.write_text(new)
    else:
        sys.exit(f"what-if: unknown '{name}' (one of {', '.join(WHAT_IFS)})")


def load(path):
    path = pathlib.Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def best_gpu(sweep):
    gpus = [a for a in sweep["answers"] if a["kind"] == "gpu"]
    return min(gpus, key=lambda a: a["latency_ms"]) if gpus else None


def fitting(sweep, board):
    return sorted((p for p in sweep["points"] if p["board"] == board and p["fits"]),
                  key=lambda p: (p["cluster"], p["latency_ms"]))


def smallest_faster(sweep, board, gpu):
    """The fitting point of `board` with the fewest boards whose latency beats the GPU row."""
    for p in fitting(sweep, board):
        if p["latency_ms"] < gpu["latency_ms"]:
            return p
    return None


def cell_what_if(sweep, board, gpu):
    if sweep is None:
        return "-"
    p = smallest_faster(sweep, board, gpu)
    if p is None:
        pts = fitting(sweep, board)
        if not pts:
            return "does not fit"
        f = min(pts, key=lambda q: q["latency_ms"])
        return f"none (best {f['cluster']}: {f['latency_ms']:.3g} ms)"
    return f"{p['cluster']} ({p['latency_ms']:.3g} ms)"


def model_table(out, model):
    sweep = load(out / f"{model}.json")
    if sweep is None:
        return f"## {model}\n\nNo sweep ({out / (model + '.json')} is missing).\n"
    gpu = best_gpu(sweep)
    lines = [f"## {model}", ""]
    if gpu is None:
        return "\n".join(lines + ["No GPU decode row for this model in decoders.yaml.", ""])
    lines.append(
        f"Best GPU row: `{gpu['name']}` ({gpu['device']}): {gpu['latency_ms']:.4g} ms/token, "
        f"{gpu['energy_mj']:.4g} mJ/token ({gpu['power_w']:.0f} W). Sweep: "
        f"{len(sweep['points'])} clusters (1, 2, 4, ... 256 boards of each board), "
        f"{sum(p['fits'] for p in sweep['points'])} fit; {sweep['wall_s']:.0f} s.")
    lines.append("")
    others = {w: load(out / f"{model}.{w}.json") for w in WHAT_IFS}
    lines.append("| board | smallest cluster faster than the GPU | ms/token | mJ/token | "
                 "also less energy? | fastest cluster that fits | "
                 + " | ".join(f"with {w}" for w in WHAT_IFS) + " |")
    lines.append("|---|---:|---:|---:|---|---|" + "---|" * len(WHAT_IFS))
    boards = sorted({p["board"] for p in sweep["points"]})
    for b in boards:
        pts = fitting(sweep, b)
        fastest = min(pts, key=lambda p: p["latency_ms"]) if pts else None
        fast_cell = (f"{fastest['cluster']}: {fastest['latency_ms']:.3g} ms "
                     f"({fastest['latency_ms'] / gpu['latency_ms']:.3g}x the GPU's)"
                     if fastest else "none of 1..256")
        p = smallest_faster(sweep, b, gpu)
        wi = [cell_what_if(others[w], b, gpu) for w in WHAT_IFS]
        if p is None:
            lines.append(f"| {b} | none | - | - | - | {fast_cell} | " + " | ".join(wi) + " |")
        else:
            greener = p["energy_mj"] < gpu["energy_mj"]
            # Boards of this kind that could run at this latency within the GPU's energy.
            even = gpu["energy_mj"] / (p["board_power_w"] * p["latency_ms"])
            lines.append(
                f"| {b} | {p['cluster']} | {p['latency_ms']:.3g} | {p['energy_mj']:.3g} | "
                f"{'yes' if greener else 'no'} ({p['energy_mj'] / gpu['energy_mj']:.3g}x the "
                f"GPU's; its energy allows {even:.2g} boards at this latency) | {fast_cell} | "
                + " | ".join(wi) + " |")
    lines.append("")
    return "\n".join(lines)


def chart(out, model):
    """The latency chart of MODEL.html as a standalone SVG with the page's style inside."""
    page = out / f"{model}.html"
    if not page.exists():
        return
    html = page.read_text()
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    svg = re.search(r"<svg\b.*?</svg>", html, re.S)
    if svg is None:
        sys.exit(f"{page}: no <svg> chart")
    text = svg.group(0)
    if "xmlns=" not in text[:200]:
        text = text.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    head_end = text.index(">") + 1
    css = style.group(1) if style else ""
    text = (text[:head_end] + "<style>svg { background: #fff; }" + css + "</style>"
            + text[head_end:])
    (out / f"{model}.svg").write_text(text + "\n")


def answer(out, models):
    out = pathlib.Path(out)
    parts = ["# The answer: smallest cluster of each board that beats the best GPU row", "",
             "Generated by scripts/decoder-answer.sh from `atoll explore --fpgas 1..256` "
             "(prompt 128, 32 new tokens; per-token latency = the mean simulated decode step; "
             "energy = every board's power x that latency). What-ifs: "
             + "; ".join(f"{k}: {v}" for k, v in WHAT_IFS.items()) + ".", ""]
    for m in models:
        parts.append(model_table(out, m))
        chart(out, m)
    print("\n".join(parts))


def main(argv):
    if len(argv) == 4 and argv[1] == "what-if":
        what_if(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "answer":
        answer(argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
