"""Placement quality over several seeds: each trace family replayed with every
policy for seeds 1..N (docs/simulate.md), and per family and policy the mean
and the range over the seeds of acceptance, mean wait, time-weighted
fragmentation, stranded NPUs and nodes and reschedules, plus how often npusched's acceptance was at
least the policy's. Deterministic: the same N gives the same table.

    .venv/bin/python benchmarks/simulate_families.py 5
"""

from __future__ import annotations

import sys

from npusched import simulator


def _mean_wait(report: dict) -> float:
    waits = list(report["wait_by_size"].values())
    jobs = sum(w["jobs"] for w in waits)
    return sum(w["mean_s"] * w["jobs"] for w in waits) / jobs if jobs else 0.0


def main(seeds: int) -> None:
    print("| family | policy | acceptance mean (min-max) | mean wait s | fragmentation (tw) | stranded NPUs (tw) | "
          "stranded nodes (tw) | reschedules | npusched acceptance >= it |")
    print("|---|---|---|---|---|---|---|---|---|")
    for family in simulator.FAMILIES:
        runs = [simulator.compare(simulator.generate_trace(family, seed=s)) for s in range(1, seeds + 1)]
        for i, policy in enumerate(simulator.POLICIES):
            reports = [r[i] for r in runs]
            acc = [r["acceptance"] for r in reports]
            wait = sum(_mean_wait(r) for r in reports) / seeds
            frag = sum(r["time_weighted"]["fragmentation"] for r in reports) / seeds
            npus = sum(r["time_weighted"]["stranded_npus"] for r in reports) / seeds
            nodes = sum(r["time_weighted"]["stranded_nodes"] for r in reports) / seeds
            resched = sum(r["reschedules"] for r in reports) / seeds
            wins = sum(1 for r in runs if r[0]["acceptance"] >= r[i]["acceptance"])
            print(f"| {family} | {policy} | {sum(acc) / seeds:.3f} ({min(acc):.3f}-{max(acc):.3f}) | {wait:.0f} | "
                  f"{frag:.3f} | {npus:.1f} | {nodes:.2f} | {resched:.1f} | {wins}/{seeds} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
