#!/usr/bin/env python3
"""Achieved TFLOP/s of builtin:mlp variants in a torchbench-cli report, next to the GPU's
peak for the variant's precision. FLOPs per item are counted analytically: a Linear of
k inputs and n outputs is 2*k*n multiply-adds per item (bias and ReLU are ignored, < 0.1%).

Peaks are dense (no sparsity) tensor-core figures from NVIDIA's datasheets, keyed by a
substring of the GPU name; a GPU not listed gets "n/a". NOT YET RUN ON A GPU (docs/gpu.md)."""

import argparse
import json

# name substring -> {precision: dense peak TFLOP/s}
PEAKS = {
    "H100 80GB HBM3": {"fp16": 989.4, "bf16": 989.4, "tf32": 494.7, "fp32": 66.9},  # H100 SXM5
    "H100 PCIe": {"fp16": 756.0, "bf16": 756.0, "tf32": 378.0, "fp32": 51.2},
    "A100": {"fp16": 312.0, "bf16": 312.0, "tf32": 156.0, "fp32": 19.5},
}


def mlp_flops_per_item(d_in, hidden, layers, d_out):
    if layers == 0:
        return 2 * d_in * d_out
    return 2 * (d_in * hidden + (layers - 1) * hidden * hidden + hidden * d_out)


def precision_of(passes):
    for name in ("fp16", "bf16", "tf32"):
        if name in passes:
            return name
    return "fp32"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--in", dest="d_in", type=int, required=True)
    parser.add_argument("--hidden", type=int, required=True)
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--out", dest="d_out", type=int, required=True)
    args = parser.parse_args()
    with open(args.report) as f:
        report = json.load(f)
    device = (report["environment"]["libtorch"].get("cuda_device") or {}).get("name", "")
    peaks = next((p for key, p in PEAKS.items() if key in device), None)
    flops = mlp_flops_per_item(args.d_in, args.hidden, args.layers, args.d_out)
    print("| variant | precision | items/s | achieved TFLOP/s | peak TFLOP/s (%s) | of peak |" % (device or "?"))
    print("|---|---|---|---|---|---|")
    for r in report["results"]:
        if r["status"] != "ok":
            print("| %s | | | %s | | |" % (r["variant"], r["status"]))
            continue
        precision = precision_of(r["passes"])
        achieved = r["throughput_per_s"] * flops / 1e12
        peak = peaks.get(precision) if peaks else None
        print("| %s | %s | %.0f | %.1f | %s | %s |" % (
            r["variant"], precision, r["throughput_per_s"], achieved,
            "%.1f" % peak if peak else "n/a", "%.0f%%" % (100 * achieved / peak) if peak else "n/a"))


if __name__ == "__main__":
    main()
