#!/usr/bin/env python3
"""Summarizes an Nsight Compute --csv metrics file (scripts/gpu/run.sh, step "profile"): per
kernel name, how often it ran, its median duration (us), registers, grid and block size and
achieved occupancy; then the sum of the medians of one pass (each kernel's share)."""
import csv
import statistics
import sys
from collections import OrderedDict


def main(path):
    rows = []
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]  # ncu prints its own notes before the table
    for r in csv.DictReader(lines):
        rows.append(r)
    kernels = OrderedDict()
    for r in rows:
        name = r["Kernel Name"].replace("(anonymous namespace)::", "").split("(")[0].replace("int8rt::cuda::", "")
        k = kernels.setdefault(name, {})
        v = r["Metric Value"].replace(",", "")
        value = float(v) if v else 0.0
        value *= {"usecond": 1e3, "msecond": 1e6}.get(r.get("Metric Unit", ""), 1.0)  # to ns
        k.setdefault(r["Metric Name"], []).append(value)
    total = 0.0
    print(f"{'kernel':60s} {'runs':>4s} {'us':>8s} {'regs':>5s} {'grid':>6s} {'block':>5s} {'occ%':>6s}")
    for name, m in kernels.items():
        d = m.get("gpu__time_duration.sum", [0])
        unit_ns = statistics.median(d)
        us = unit_ns / 1000.0
        total += us
        med = lambda key: statistics.median(m.get(key, [0]))
        print(f"{name[-60:]:60s} {len(d):4d} {us:8.2f} {med('launch__registers_per_thread'):5.0f} "
              f"{med('launch__grid_size'):6.0f} {med('launch__block_size'):5.0f} "
              f"{med('sm__warps_active.avg.pct_of_peak_sustained_active'):6.1f}")
    print(f"{'sum of medians':60s} {'':4s} {total:8.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
